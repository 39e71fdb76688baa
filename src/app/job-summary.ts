// The job as the dashboard's header and operator graph show it: its name, key settings and plan.
import { basename } from 'node:path';
import type { SluiceConfig } from '../config/index.ts';
import { describeInput, type Node, type Plan, parentsOf } from '../dsl/index.ts';
import { BUILT_IN_JOBS } from '../jobs/index.ts';
import { isSessionSpec } from '../window/index.ts';

/** One operator of the plan: where it runs (a worker slot per partition, or the main thread). */
export type JobOperator = {
  readonly id: number;
  readonly kind: string;
  /** What sets it apart: a window's size and slide, a sink's target, an input's topic. */
  readonly detail: string;
  readonly parents: readonly number[];
  readonly thread: 'slot' | 'main';
};

export type JobSummary = {
  /** The built-in job's name, or the job file's name. */
  readonly name: string;
  readonly builtIn: boolean;
  readonly path: string;
  /** The built-in job's settings (key field, aggregation, window…); empty for a job file. */
  readonly settings: Readonly<Record<string, string | number | null>>;
  /** SLUICE_TOPICS as given: a list, a /pattern/, or `(generator)` without brokers. */
  readonly topics: string;
  readonly operators: readonly JobOperator[];
};

export function jobSummary(jobPath: string, plan: Plan, config: SluiceConfig): JobSummary {
  const builtIn = Object.entries(BUILT_IN_JOBS).find(([, path]) => path === jobPath)?.[0];
  return {
    name: builtIn ?? basename(jobPath),
    builtIn: builtIn !== undefined,
    path: jobPath,
    settings: builtIn === 'aggregate' ? aggregateSettings(config) : {},
    topics: topicsOf(config),
    operators: plan.nodes.map((node) => ({
      id: node.id,
      kind: node.kind === 'windowAggregate' ? node.operator : node.kind,
      detail: node.kind === 'source' && !node.input ? `SLUICE_TOPICS ${topicsOf(config)}` : detailOf(node),
      parents: parentsOf(node),
      thread: plan.onMain[node.id] ? 'main' : 'slot',
    })),
  };
}

/** The variables that shape the built-in `aggregate` job (SLUICE_KEY_FIELD, SLUICE_AGG, …). */
function aggregateSettings(config: SluiceConfig): Record<string, string | number | null> {
  return {
    keyField: config.keyField,
    valueField: config.valueField ?? null,
    agg: config.agg,
    windowType: config.windowType ?? 'time',
    windowMs: config.windowMs ?? null,
    slideMs: config.slideMs ?? null,
    sessionGapMs: config.sessionGapMs ?? null,
    time: config.time,
    timestampField: config.timestampField ?? null,
    allowedLatenessMs: config.allowedLatenessMs,
    emit: config.emit,
  };
}

function detailOf(node: Node): string {
  switch (node.kind) {
    case 'source':
      return node.input ? describeInput(node.input) : '';
    case 'window':
      return `${node.spec.sizeMs} ms / ${node.spec.slideMs} ms`;
    case 'windowAggregate':
      return isSessionSpec(node.spec)
        ? `session gap ${node.spec.gapMs} ms`
        : `${node.spec.sizeMs} ms / ${node.spec.slideMs} ms, ${node.emit}`;
    case 'withWatermark':
      return `lateness ${node.allowedLatenessMs} ms`;
    case 'mapWithState':
      return node.timeoutMs === undefined ? '' : `timeout ${node.timeoutMs} ms`;
    case 'output':
      return sinkDetail(node.sink);
    default:
      return '';
  }
}

/** SLUICE_TOPICS as given: a list, or a pattern; the generator's name without brokers. */
function topicsOf(config: SluiceConfig): string {
  const { topics } = config;
  if (!topics) return config.brokers ? '' : '(generator)';
  return topics.type === 'list' ? topics.topics.join(',') : String(topics.pattern);
}

function sinkDetail(sink: Extract<Node, { kind: 'output' }>['sink']): string {
  switch (sink.type) {
    case 'kafka':
      return `toKafka ${sink.topic}`;
    case 'saveAsTextFiles':
      return `saveAsTextFiles ${sink.dir}`;
    case 'postgres':
      return `toPostgres ${sink.table.name}`;
    default:
      return sink.type;
  }
}
