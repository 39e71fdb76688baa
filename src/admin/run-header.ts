// The dashboard's header: the job and its plan, trigger, guarantee, start, instance, group and versions.

import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { JobOperator, JobSummary } from '../app/index.ts';
import type { SluiceConfig } from '../config/index.ts';
import { packageFile } from '../core/index.ts';
import type { OperatorTotal, OperatorTotals } from './operator-totals.ts';

/** What the run tells the admin endpoints about itself once it started. */
export type RunInfo = {
  readonly job: JobSummary;
  readonly config: SluiceConfig;
  /** Epoch ms. */
  readonly startedAt: number;
  /** The Kafka cluster, once read (undefined: not yet, or no broker). */
  readonly kafka?: () => KafkaCluster | undefined;
};

/** The cluster, as `describeKafka` read it: id, brokers, and the release they run when known. */
export type KafkaCluster = {
  readonly clusterId: string;
  readonly brokers: number;
  /** The broker's release line (`4.3`), from the highest metadata.version it supports. */
  readonly release: string | null;
  /** The cluster's finalized metadata.version (`4.3-IV0`). */
  readonly metadataVersion: string | null;
  readonly releaseProblem?: string;
};

/** `/api/job`. Times are epoch ms. */
export type RunHeader = {
  readonly job: Omit<JobSummary, 'operators' | 'topics'>;
  readonly trigger: string;
  readonly intervalMs: number;
  readonly guarantee: string;
  readonly startedAt: number;
  readonly uptimeMs: number;
  readonly instance: { readonly host: string; readonly pid: number; readonly clientId: string };
  readonly groupId: string;
  readonly topics: string;
  readonly workers: number;
  readonly versions: {
    readonly sluice: string;
    readonly node: string;
    /** The Kafka client library's (the broker's release is `kafka.release`). */
    readonly kafkajs: string;
  };
  readonly kafka: KafkaCluster | null;
  readonly operators: readonly (JobOperator & Omit<OperatorTotal, 'node'>)[];
  readonly slotMs: number;
};

const versions = {
  sluice: versionOf(packageFile('package.json', import.meta.url)),
  node: process.version,
  kafkajs: versionOf(new URL(import.meta.resolve('kafkajs/package.json'))),
};

export function runHeader(run: RunInfo, totals: OperatorTotals, now: number): RunHeader {
  const { job, config } = run;
  const { operators, topics: _topics, ...summary } = job;
  return {
    job: summary,
    trigger: config.trigger,
    intervalMs: config.batchIntervalMs,
    guarantee: config.guarantee,
    startedAt: run.startedAt,
    uptimeMs: Math.max(0, now - run.startedAt),
    instance: { host: hostname(), pid: process.pid, clientId: config.clientId },
    groupId: config.groupId,
    topics: job.topics,
    workers: config.workers,
    versions,
    kafka: run.kafka?.() ?? null,
    operators: operators.map((operator) => {
      const total = totals.operators[operator.id];
      return {
        ...operator,
        in: total?.in ?? 0,
        out: total?.out ?? 0,
        ms: total?.ms ?? null,
        sampledMs: total?.sampledMs ?? null,
      };
    }),
    slotMs: totals.slotMs,
  };
}

function versionOf(file: URL): string {
  try {
    return (JSON.parse(readFileSync(fileURLToPath(file), 'utf8')) as { version?: string }).version ?? '';
  } catch {
    return '';
  }
}
