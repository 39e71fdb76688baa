// defineJob and importJob: a job module's builder, run once per thread into the same graph.

import { pathToFileURL } from 'node:url';
import { resolveSelfFromSource, type SourceRecord } from '../core/index.ts';
import { ErrorCode, SluiceError } from '../errors/index.ts';
import { DStream } from './dstream.ts';
import { Graph } from './graph.ts';
import { describeInput, type InputSpec, inputSpec, type StreamOptions, tableSpec } from './input-spec.ts';
import { jobLoadError } from './job-load-error.ts';
import { Table } from './table.ts';

/** What a job's builder receives. */
export type JobContext = {
  /**
   * An input: one record per Kafka record. Without `topics`, the topics in SLUICE_TOPICS (or the
   * built-in generator without SLUICE_BROKERS), values decoded per SLUICE_VALUE_FORMAT. With
   * `topics` (a name, names, or a RegExp of names), those topics, values decoded per
   * `options.format` (`json` by default). A topic goes to one input: the first declared that
   * names it, else the first whose pattern matches it, else the SLUICE_TOPICS input.
   *
   * @example
   * const orders = ctx.stream<Order>('orders');
   * const lines = ctx.stream<string>(/^logs-/, { format: 'string' });
   */
  stream<V = unknown>(
    topics?: string | readonly string[] | RegExp,
    options?: StreamOptions,
  ): DStream<SourceRecord<V>>;
  /**
   * A topic read as a table: per record key, the latest value (decoded per `options.format`, json
   * by default); a tombstone (null value) deletes its key. Read from the topic's start when no
   * checkpoint restores it; only joined, with `joinTable` or `leftJoinTable` (docs/joins.md).
   *
   * @example
   * const customers = ctx.table<Customer>('customers');
   * orders.map((r) => [r.value.customer, r.value]).joinTable(customers);
   */
  table<V = unknown>(topic: string, options?: StreamOptions): Table<V>;
  /** The process environment the job was started with (the same in every thread). */
  readonly env: Readonly<Record<string, string | undefined>>;
};

export type JobBuilder = (ctx: JobContext) => void;

/**
 * A job module's default export. `module`: the file that defined it, when its stack said (every
 * thread imports that module: a job is code, not data).
 */
export type Job = { readonly kind: 'sluice-job'; readonly build: JobBuilder; readonly module?: string };

/**
 * Declares a job. The module is evaluated in the main thread and in every worker slot, and the
 * builder runs in each, so it must be deterministic and free of side effects: same env, same graph.
 *
 * @example
 * export default defineJob((ctx) => {
 *   ctx.stream<string>().flatMap((r) => r.value.split(' ')).countByValue().print();
 * });
 */
export function defineJob(build: JobBuilder): Job {
  const module = callerModule();
  return module === undefined ? { kind: 'sluice-job', build } : { kind: 'sluice-job', build, module };
}

/** The file URL of the module that called `defineJob`, from its stack frame. */
function callerModule(): string | undefined {
  const trace: { stack?: string } = {};
  Error.captureStackTrace(trace, defineJob);
  const frame = trace.stack?.split('\n')[1]?.trim() ?? '';
  const file = /((?:file:\/\/)?\/[^\s()]+?):\d+:\d+\)?$/.exec(frame)?.[1];
  if (file === undefined) return undefined;
  return file.startsWith('file:') ? file : pathToFileURL(file).href;
}

/** Runs a job's builder and returns the graph it built. */
export function buildGraph(job: Job, env: Readonly<Record<string, string | undefined>>): Graph {
  const graph = new Graph();
  // One source node per input, the same for every call that names it alike.
  const inputs = new Map<string, number>();
  const source = (input: InputSpec | undefined): number => {
    const name = input ? describeInput(input) : '';
    let id = inputs.get(name);
    if (id === undefined) {
      id = graph.add((node) =>
        input ? { kind: 'source', id: node, input } : { kind: 'source', id: node },
      ).id;
      inputs.set(name, id);
    }
    return id;
  };
  const streams = new Map<number, DStream<SourceRecord>>();
  job.build({
    env,
    stream<V>(topics?: string | readonly string[] | RegExp, options?: StreamOptions) {
      const input = topics === undefined && options === undefined ? undefined : inputSpec(topics, options);
      const id = source(input);
      const stream = streams.get(id) ?? new DStream<SourceRecord>(graph, id);
      streams.set(id, stream);
      return stream as unknown as DStream<SourceRecord<V>>;
    },
    table<V>(topic: string, options?: StreamOptions) {
      return new Table<V>(graph, source(tableSpec(topic, options)));
    },
  });
  if (!graph.nodes.some((node) => node.kind === 'output')) {
    throw new SluiceError(
      ErrorCode.jobInvalid,
      'the job defines no output: end a stream with print, foreachBatch, saveAsTextFiles or toKafka',
    );
  }
  return graph;
}

function isJob(value: unknown): value is Job {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'sluice-job';
}

/**
 * Imports a job module (a file path or a file: URL) and checks its default export. A module that
 * cannot be imported is SLUICE_JOB_INVALID saying why: missing, a syntax error and where, or what
 * its top level threw and where.
 */
export async function importJob(specifier: string): Promise<Job> {
  const url = specifier.startsWith('file:') ? specifier : pathToFileURL(specifier).href;
  resolveSelfFromSource();
  let module: { default?: unknown };
  try {
    module = (await import(url)) as { default?: unknown };
  } catch (error) {
    throw jobLoadError(specifier, url, error);
  }
  if (!isJob(module.default)) {
    throw new SluiceError(
      ErrorCode.jobInvalid,
      `job module ${specifier} must export default defineJob((ctx) => { ... })`,
    );
  }
  return module.default;
}
