/**
 * Kafka → windowed count: the topic of bench/kafka-path.ts (JSON click events, count by url),
 * read `available-now` by the built-in `aggregate` job three ways per round, each in a new
 * process with a new consumer group:
 *   (a) per batch, as in bench/kafka-path.ts: the figure the window is measured against;
 *   (b) sliding windows, W = 10 s, S = 2 s, on event time from the events' `ts` field
 *       (SLUICE_TIMESTAMP_FIELD=ts: 10 ms per record per partition, so 1,000,000 events over 8
 *       partitions span 1,250 s of event time, 629 windows). The preload keeps 4 produce
 *       requests of 5,000 records per partition in flight, and they can land out of order, so
 *       a partition's `ts` may step back by a few chunks (50 s each): SLUICE_ALLOWED_LATENESS_MS
 *       of 300 s keeps those records from being late;
 *   (c) the same on the Kafka record timestamp (the producer's clock during the preload: a few
 *       seconds, so a handful of windows).
 * Every sliding window of S = W/5 holds each event 5 times, so the file sink's counts must add
 * up to 5 × (events − late records). Then one more run of (b) under `--cpu-prof`, not timed.
 */

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type KafkaBenchOptions,
  PER_BATCH_COUNT,
  profileSluice,
  recordSluiceRun,
  type SluiceJob,
  sluiceOnce,
  withPreloadedClicks,
} from './kafka-path.ts';
import type { ChildRun } from './support/child.ts';
import type { Preload } from './support/kafka.ts';
import { fixed, int, markdownTable, spread, withRange } from './support/stats.ts';

const WINDOW_MS = 10_000;
const SLIDE_MS = 2_000;
const WINDOWS_PER_EVENT = WINDOW_MS / SLIDE_MS;

export type WindowRow = {
  readonly job: string;
  readonly workers: number;
  readonly wallMs: number[];
  readonly cpuMs: number[];
  readonly joinedToEndMs: number[];
  readonly batchRecords: number[];
  readonly batchMs: number[];
  /** Rows the file sink wrote per run: (window, key) results, or (batch, key) ones per batch. */
  readonly outputRows: number[];
  readonly late: number[];
};

export type WindowReport = {
  readonly broker: string;
  readonly preload: Preload;
  readonly rows: WindowRow[];
  readonly profile: string;
};

type Output = { readonly rows: number; readonly total: number };

function fileSinkOutput(dir: string): Output {
  let rows = 0;
  let total = 0;
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.jsonl')) continue;
    for (const line of readFileSync(join(dir, name), 'utf8').split('\n')) {
      if (line === '') continue;
      rows++;
      total += (JSON.parse(line) as { value: number }).value;
    }
  }
  return { rows, total };
}

/** Late records the engine logged ('late records: older than the watermark', per batch). */
function lateIn(run: ChildRun): number {
  return run.logs
    .filter((line) => line.msg === 'late records: older than the watermark')
    .reduce((sum, line) => sum + Number(line.late), 0);
}

type Measured = { output: Output | undefined; late: number };

/** A job that remembers what its last run wrote, for the table. */
function recording(job: SluiceJob): { job: SluiceJob; last: Measured } {
  const last: Measured = { output: undefined, late: 0 };
  return {
    last,
    job: {
      env: job.env,
      verify(dir, run, preload) {
        job.verify(dir, run, preload);
        last.output = fileSinkOutput(dir);
        last.late = lateIn(run);
      },
    },
  };
}

const TS_LATENESS_MS = 300_000;

function windowed(timestampField: string | undefined): SluiceJob {
  return {
    env: {
      SLUICE_WINDOW_MS: String(WINDOW_MS),
      SLUICE_SLIDE_MS: String(SLIDE_MS),
      SLUICE_TIME: 'event',
      ...(timestampField === undefined
        ? {}
        : { SLUICE_TIMESTAMP_FIELD: timestampField, SLUICE_ALLOWED_LATENESS_MS: String(TS_LATENESS_MS) }),
    },
    verify(dir, run, preload) {
      const { total } = fileSinkOutput(dir);
      const expected = WINDOWS_PER_EVENT * (preload.events - lateIn(run));
      if (total !== expected) {
        throw new Error(
          `windowed count added up to ${total}; ${WINDOWS_PER_EVENT} windows × (${preload.events} events − ${lateIn(run)} late) is ${expected}`,
        );
      }
    },
  };
}

const JOBS = [
  { label: 'per batch (no window)', job: PER_BATCH_COUNT },
  { label: 'window 10 s / 2 s, event time = `ts` field, lateness 300 s', job: windowed('ts') },
  { label: 'window 10 s / 2 s, event time = Kafka timestamp, lateness 0', job: windowed(undefined) },
] as const;

export async function windowBench(options: KafkaBenchOptions): Promise<WindowReport> {
  const { log } = options;
  return withPreloadedClicks(options, async (broker, preload) => {
    const configs = options.workers.flatMap((workers) =>
      JOBS.map(({ label, job }) => ({ ...recording(job), workers, label })),
    );
    const rows = configs.map(
      ({ label, workers }): WindowRow => ({
        job: label,
        workers,
        wallMs: [],
        cpuMs: [],
        joinedToEndMs: [],
        batchRecords: [],
        batchMs: [],
        outputRows: [],
        late: [],
      }),
    );
    for (let round = 1; round <= options.runs; round++) {
      for (const [i, config] of configs.entries()) {
        const row = rows[i] as WindowRow;
        const run = await sluiceOnce(options, broker.bootstrap, preload, config.workers, [], config.job);
        recordSluiceRun(row, run);
        row.outputRows.push(config.last.output?.rows ?? Number.NaN);
        row.late.push(config.last.late);
        log(
          `window round ${round}: ${row.job}, ${row.workers} slot(s): ${int((preload.events / run.wallMs) * 1000)} events/s`,
        );
      }
    }
    const profile = await profileSluice(options, broker.bootstrap, preload, {
      what: 'window 10 s / 2 s on `ts`',
      job: windowed('ts'),
      mainRows: 12,
      workerRows: 12,
      timeline: false,
    });
    return { broker: broker.origin, preload, rows, profile };
  });
}

export function windowTable(report: WindowReport): string {
  const events = report.preload.events;
  return markdownTable(
    [
      'job',
      'slots',
      'events/s, wall (process start to exit)',
      'wall s',
      'events/s, group joined to last record',
      '× per batch, per round (wall)',
      'CPU s (all threads)',
      'rows written',
      'late',
      'records / batch',
      'batch processing ms',
    ],
    report.rows.map((row) => {
      // Rounds interleave the jobs, so a ratio within a round cancels most of the machine's noise.
      const base = report.rows.find((other) => other.workers === row.workers) as WindowRow;
      const ratios = row.wallMs.map((ms, round) => (base.wallMs[round] ?? Number.NaN) / ms);
      return [
        row.job,
        String(row.workers),
        withRange(spread(row.wallMs.map((ms) => (events / ms) * 1000))),
        withRange(spread(row.wallMs.map((ms) => ms / 1000)), (s) => fixed(s, 2)),
        withRange(spread(row.joinedToEndMs.map((ms) => (events / ms) * 1000))),
        withRange(spread(ratios), (ratio) => fixed(ratio, 2)),
        withRange(spread(row.cpuMs.map((ms) => ms / 1000)), (s) => fixed(s, 2)),
        withRange(spread(row.outputRows)),
        withRange(spread(row.late)),
        row.batchRecords.length > 0 ? int(spread(row.batchRecords).median) : '–',
        row.batchMs.length > 0 ? withRange(spread(row.batchMs), (ms) => fixed(ms, 0)) : '–',
      ];
    }),
  );
}
