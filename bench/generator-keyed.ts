/**
 * Generator → keyed state (mapWithState, updateStateByKey) per user, `available-now`, as a child
 * process (`node bin/sluice.js run`), so the time includes start-up. The generator has 10,000
 * users, so the state holds at most 10,000 keys however many events run through it.
 */

import { batchLogs, logNumber, runSluice } from './support/child.ts';
import {
  type GeneratorRunSpec,
  type GeneratorSweep,
  generatorEnv,
  inTempDir,
  interleaved,
  sweepSpecs,
} from './support/generator.ts';
import { lastBatchRows } from './support/output.ts';
import { fixed, int, markdownTable, spread, withRange } from './support/stats.ts';

type KeyedJob = {
  readonly operation: string;
  readonly path: string;
  /** The job's own environment, given a temp folder for its output. */
  readonly env: (dir: string) => Record<string, string>;
  /** Keys with state after the last batch, from the job's output, checked against `events`; or undefined. */
  readonly stateAtEnd: (dir: string, events: number) => number | undefined;
};

const JOBS: readonly KeyedJob[] = [
  {
    operation: 'mapWithState (30 s timeout) + stateSnapshots, print',
    path: 'examples/user-sessions.ts',
    env: () => ({}),
    // It prints 20 sessions and 20 states a batch: the state's size does not show.
    stateAtEnd: () => undefined,
  },
  {
    operation: 'updateStateByKey (count, sum of latencyMs), file sink',
    path: 'bench/support/job-latency-totals.ts',
    env: (dir) => ({ LATENCY_TOTALS_DIR: dir }),
    stateAtEnd: (dir, events) => {
      // updateStateByKey emits the whole state every batch: the last file is every user's totals.
      const rows = lastBatchRows(dir) as [string, { count: number }][];
      const counted = rows.reduce((sum, [, totals]) => sum + totals.count, 0);
      if (counted !== events) throw new Error(`the totals count ${counted} events; expected ${events}`);
      return rows.length;
    },
  },
];

export type KeyedRow = GeneratorRunSpec & {
  readonly job: KeyedJob;
  readonly events: number;
  readonly wallMs: number[];
  readonly cpuMs: number[];
  readonly batches: number[];
  /** Per run, the mean processing time of its batches after the first (which waits for the slots to load the job). */
  readonly meanBatchMs: number[];
  readonly stateAtEnd: number[];
};

async function once(row: KeyedRow): Promise<void> {
  await inTempDir('sluice-bench-keyed-', async (dir) => {
    const run = await runSluice({ ...generatorEnv(row), SLUICE_JOB: row.job.path, ...row.job.env(dir) });
    const records = logNumber(run, 'engine stopped', 'records');
    if (records !== row.events)
      throw new Error(`${row.job.path} ran ${records} events; expected ${row.events}`);
    const state = row.job.stateAtEnd(dir, row.events);
    const batches = batchLogs(run).sort((a, b) => a.batchId - b.batchId);
    const timed = batches.slice(1);
    row.wallMs.push(run.wallMs);
    row.cpuMs.push(run.cpuMs);
    row.batches.push(batches.length);
    row.meanBatchMs.push(timed.reduce((sum, batch) => sum + batch.processingMs, 0) / timed.length);
    if (state !== undefined) row.stateAtEnd.push(state);
  });
}

export async function keyedBench(options: GeneratorSweep): Promise<KeyedRow[]> {
  const rows = JOBS.flatMap((job) =>
    sweepSpecs(options).map(
      (spec): KeyedRow => ({
        ...spec,
        job,
        events: spec.eventsPerPartition * spec.partitions,
        wallMs: [],
        cpuMs: [],
        batches: [],
        meanBatchMs: [],
        stateAtEnd: [],
      }),
    ),
  );
  await interleaved(rows, options.runs, async (row, round) => {
    await once(row);
    const wallMs = row.wallMs.at(-1) ?? Number.NaN;
    options.log(
      `keyed round ${round}: ${row.job.path}, ${row.workers} slot(s), ${row.maxRecords}/batch: ${int((row.events / wallMs) * 1000)} events/s`,
    );
  });
  return rows;
}

export function keyedTable(rows: readonly KeyedRow[]): string {
  return markdownTable(
    [
      'job',
      'state operation',
      'slots',
      'max records / partition batch',
      'events',
      'wall ms (process start to exit)',
      'events/s, wall',
      'CPU ns / event (all threads)',
      'batches',
      'mean batch processing ms (after the first)',
      'keys with state at end',
    ],
    rows.map((row) => [
      `\`${row.job.path}\``,
      row.job.operation,
      String(row.workers),
      int(row.maxRecords),
      int(row.events),
      withRange(spread(row.wallMs)),
      withRange(spread(row.wallMs.map((ms) => (row.events / ms) * 1000))),
      withRange(spread(row.cpuMs.map((ms) => (ms * 1e6) / row.events))),
      int(spread(row.batches).median),
      withRange(spread(row.meanBatchMs), (ms) => fixed(ms, 0)),
      row.stateAtEnd.length === 0 ? 'n/a' : withRange(spread(row.stateAtEnd)),
    ]),
  );
}
