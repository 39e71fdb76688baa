/**
 * The Kafka path: a topic preloaded with JSON click events, then per round
 *   (a) Sluice, `available-now`, built-in `aggregate` (count by url), as `node bin/sluice.js run`;
 *   (b) bench/kafkajs-baseline.ts: one kafkajs `eachBatch` consumer doing the same count;
 *   (c) the same consumer without per-record work: what kafkajs alone costs.
 * Each run is a child process with a new consumer group reading from the earliest offset;
 * events/s = events / (spawn to exit). Then one more Sluice run and one baseline run under
 * `--cpu-prof` (not timed) show where each thread spends its time.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BaselineResult } from './kafkajs-baseline.ts';
import { addRun, type ChildRun, logSpanMs, runNode, runSluice } from './support/child.ts';
import {
  acquireBroker,
  benchKafka,
  type Preload,
  preloadClicks,
  warmGroupCoordinator,
} from './support/kafka.ts';
import { countedByFileSink } from './support/output.ts';
import { profileFiles, profileTable, summarizeProfile, timeline } from './support/profile.ts';
import { fixed, int, markdownTable, spread, withRange } from './support/stats.ts';

const BASELINE = fileURLToPath(new URL('./kafkajs-baseline.ts', import.meta.url));

export type KafkaBenchOptions = {
  readonly runs: number;
  readonly events: number;
  readonly partitions: number;
  /** Sluice configurations to time, as SLUICE_WORKERS values. */
  readonly workers: readonly number[];
  readonly maxRecords: number;
  /** Keep the broker's data here between runs (the preload is then reused); a temp dir otherwise. */
  readonly brokerDir: string | undefined;
  readonly log: (line: string) => void;
};

export type KafkaRow = {
  readonly label: string;
  readonly wallMs: number[];
  /** CPU time of the whole process, all threads. */
  readonly cpuMs: number[];
  /** From joining the group (Sluice: partitions assigned) to the last record. */
  readonly joinedToEndMs: number[];
  readonly batchRecords: number[];
  readonly batchMs: number[];
};

export type KafkaReport = {
  readonly broker: string;
  readonly preload: Preload;
  readonly rows: KafkaRow[];
  readonly profile: string;
};

let groups = 0;
function newGroup(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now()}-${++groups}`;
}

/** What a timed Sluice run computes beyond the common settings, and how its output is checked. */
export type SluiceJob = {
  /** More SLUICE_* variables. */
  readonly env: Readonly<Record<string, string>>;
  /** Throws unless what the file sink wrote to `dir` is what the job must have computed. */
  verify(dir: string, run: ChildRun, preload: Preload): void;
};

/** The built-in `aggregate` job per batch: its counts add up to the topic's records. */
export const PER_BATCH_COUNT: SluiceJob = {
  env: {},
  verify(dir, _run, preload) {
    const counted = countedByFileSink(dir);
    if (counted !== preload.events) {
      throw new Error(`Sluice counted ${counted} events; the topic holds ${preload.events}`);
    }
  },
};

export async function sluiceOnce(
  options: Pick<KafkaBenchOptions, 'maxRecords'>,
  bootstrap: string,
  preload: Preload,
  workers: number,
  nodeArgs: readonly string[] = [],
  job: SluiceJob = PER_BATCH_COUNT,
): Promise<ChildRun> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-out-'));
  try {
    const run = await runSluice(
      {
        SLUICE_BROKERS: bootstrap,
        SLUICE_TOPICS: preload.topic,
        SLUICE_GROUP_ID: newGroup('sluice-bench'),
        SLUICE_STARTING_OFFSETS: 'earliest',
        SLUICE_TRIGGER: 'available-now',
        SLUICE_SINK: `file:${dir}`,
        SLUICE_WORKERS: String(workers),
        SLUICE_MAX_RECORDS_PER_BATCH: String(options.maxRecords),
        SLUICE_LOG_LEVEL: 'debug',
        ...job.env,
      },
      nodeArgs,
    );
    job.verify(dir, run, preload);
    return run;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function baselineOnce(
  bootstrap: string,
  preload: Preload,
  work: 'count' | 'none',
  nodeArgs: readonly string[] = [],
): Promise<{ run: ChildRun; result: BaselineResult }> {
  const run = await runNode(
    BASELINE,
    [],
    {
      BENCH_BROKERS: bootstrap,
      BENCH_TOPIC: preload.topic,
      BENCH_GROUP: newGroup('kafkajs-baseline'),
      BENCH_EXPECTED: String(preload.events),
      BENCH_WORK: work,
    },
    nodeArgs,
  );
  const result = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}') as BaselineResult;
  if (result.records !== preload.events) {
    throw new Error(
      `the kafkajs baseline counted ${result.records} events; the topic holds ${preload.events}`,
    );
  }
  return { run, result };
}

/** A broker holding the preloaded click topic, its group coordinator warm, for `use`. */
export async function withPreloadedClicks<T>(
  options: KafkaBenchOptions,
  use: (broker: { readonly bootstrap: string; readonly origin: string }, preload: Preload) => Promise<T>,
): Promise<T> {
  const broker = await acquireBroker(options.brokerDir, options.log);
  try {
    const kafka = benchKafka(broker.bootstrap, 'sluice-bench-preload');
    const preload = await preloadClicks(kafka, options.events, options.partitions, options.log);
    await warmGroupCoordinator(kafka, preload.topic);
    return await use(broker, preload);
  } finally {
    await broker.stop();
  }
}

/** The figures of one `sluice run` that every Kafka table shows. */
export function recordSluiceRun(
  row: Pick<KafkaRow, 'wallMs' | 'cpuMs' | 'joinedToEndMs' | 'batchRecords' | 'batchMs'>,
  run: Awaited<ReturnType<typeof sluiceOnce>>,
): void {
  addRun(row, run);
  row.joinedToEndMs.push(logSpanMs(run, 'partitions assigned', 'engine stopped'));
}

export async function kafkaBench(options: KafkaBenchOptions): Promise<KafkaReport> {
  const { log } = options;
  return withPreloadedClicks(options, async (broker, preload) => {
    const sluiceRows = options.workers.map(
      (workers): KafkaRow => ({
        ...emptyRow(`Sluice, ${workers} slot${workers === 1 ? '' : 's'} (+ main thread)`),
      }),
    );
    const baseline = emptyRow('kafkajs eachBatch, 1 thread (the baseline)');
    const ceiling = emptyRow('kafkajs eachBatch, no per-record work (kafkajs alone)');
    for (let round = 1; round <= options.runs; round++) {
      for (const [i, workers] of options.workers.entries()) {
        const row = sluiceRows[i] as KafkaRow;
        const run = await sluiceOnce(options, broker.bootstrap, preload, workers);
        recordSluiceRun(row, run);
        log(`kafka round ${round}: ${row.label}: ${int((preload.events / run.wallMs) * 1000)} events/s`);
      }
      for (const [row, work] of [
        [baseline, 'count'],
        [ceiling, 'none'],
      ] as const) {
        const { run, result } = await baselineOnce(broker.bootstrap, preload, work);
        row.wallMs.push(run.wallMs);
        row.cpuMs.push(run.cpuMs);
        row.joinedToEndMs.push(result.joinedToLastMs);
        log(`kafka round ${round}: ${row.label}: ${int((preload.events / run.wallMs) * 1000)} events/s`);
      }
    }

    const profile = [
      await profileSluice(options, broker.bootstrap, preload),
      await profileBaseline(broker.bootstrap, preload),
    ].join('\n\n');
    return { broker: broker.origin, preload, rows: [...sluiceRows, baseline, ceiling], profile };
  });
}

function emptyRow(label: string): KafkaRow {
  return { label, wallMs: [], cpuMs: [], joinedToEndMs: [], batchRecords: [], batchMs: [] };
}

/** The baseline under the profiler, for comparison: its single thread by component. */
async function profileBaseline(bootstrap: string, preload: Preload): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-prof-'));
  try {
    const { run } = await baselineOnce(bootstrap, preload, 'count', ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
    const { main } = profileFiles(dir);
    if (!main) return '';
    return [
      `Profiled run: the kafkajs baseline, ${fixed(run.wallMs / 1000, 2)} s wall under the profiler.`,
      profileTable('Baseline thread', summarizeProfile(main, 10)),
    ].join('\n\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export type ProfileOptions = {
  /** What the profiled run is, for its caption. */
  readonly what: string;
  readonly job?: SluiceJob;
  readonly mainRows: number;
  readonly workerRows: number;
  /** Also the main thread's busy time over the run. */
  readonly timeline: boolean;
};

/** One `sluice run` under the CPU profiler (not in the tables): where each thread's time went. */
export async function profileSluice(
  options: KafkaBenchOptions,
  bootstrap: string,
  preload: Preload,
  profile: ProfileOptions = { what: 'Sluice', mainRows: 15, workerRows: 10, timeline: true },
): Promise<string> {
  const workers = options.workers[0] ?? 1;
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-prof-'));
  try {
    const flags = ['--cpu-prof', `--cpu-prof-dir=${dir}`];
    const run = await sluiceOnce(options, bootstrap, preload, workers, flags, profile.job);
    const files = profileFiles(dir);
    const parts = [
      `Profiled run: ${profile.what}, ${workers} slot(s), ${fixed(run.wallMs / 1000, 2)} s wall under the profiler (not in the table).`,
    ];
    if (files.main) parts.push(profileTable('Main thread', summarizeProfile(files.main, profile.mainRows)));
    const worker = files.workers[0];
    if (worker) parts.push(profileTable('Worker slot 1', summarizeProfile(worker, profile.workerRows)));
    if (files.main && profile.timeline) parts.push(timelineTable(files.main, worker));
    return parts.join('\n\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const TIMELINE_BUCKET_MS = 250;

/** When each thread was busy: shows whether the main thread or the slot is the bottleneck, and when. */
function timelineTable(mainFile: string, workerFile: string | undefined): string {
  const buckets = timeline(mainFile, workerFile, TIMELINE_BUCKET_MS);
  const pct = (value: number): string => `${Math.round(value)}`;
  const workerOnlyMs =
    TIMELINE_BUCKET_MS *
    buckets.filter((bucket) => bucket.main.busy < 10 && (bucket.worker ?? 0) > 50).length;
  const table = markdownTable(
    ['t (s)', 'main busy %', 'main in kafkajs %', 'main in GC %', 'main in src/ %', 'slot 1 busy %'],
    buckets.map((bucket) => [
      fixed(bucket.atMs / 1000, 2),
      pct(bucket.main.busy),
      pct(bucket.main.kafkajs),
      pct(bucket.main.gc),
      pct(bucket.main.sluice),
      bucket.worker === undefined ? '–' : pct(bucket.worker),
    ]),
  );
  return `Timeline of the profiled run, ${TIMELINE_BUCKET_MS} ms buckets (Node built-ins that kafkajs calls, such as \`Buffer.concat\`, count as busy but not as kafkajs). The slot worked while the main thread was (nearly) idle for ${fixed(workerOnlyMs / 1000, 2)} s.\n\n${table}`;
}

export function kafkaTable(report: KafkaReport): string {
  const baseline = report.rows.at(-2) as KafkaRow;
  const events = report.preload.events;
  return markdownTable(
    [
      'consumer',
      'events/s, wall (process start to exit)',
      'wall s',
      'events/s, group joined to last record',
      '× baseline, per round (wall)',
      'CPU s (all threads)',
      'records / batch',
      'batch processing ms',
    ],
    report.rows.map((row) => {
      const batches = row.batchRecords.length > 0;
      // Rounds interleave the consumers, so a ratio within a round cancels most of the noise
      // from whatever else the machine was doing at the time.
      const ratios = row.wallMs.map((ms, round) => (baseline.wallMs[round] ?? Number.NaN) / ms);
      return [
        row.label,
        withRange(spread(row.wallMs.map((ms) => (events / ms) * 1000))),
        withRange(spread(row.wallMs.map((ms) => ms / 1000)), (s) => fixed(s, 2)),
        withRange(spread(row.joinedToEndMs.map((ms) => (events / ms) * 1000))),
        withRange(spread(ratios), (ratio) => fixed(ratio, 2)),
        withRange(spread(row.cpuMs.map((ms) => ms / 1000)), (s) => fixed(s, 2)),
        batches ? int(spread(row.batchRecords).median) : '–',
        batches ? withRange(spread(row.batchMs), (ms) => fixed(ms, 0)) : '–',
      ];
    }),
  );
}
