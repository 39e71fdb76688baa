/**
 * Generator → built-in `aggregate` job (count by url), `available-now`, as a child process
 * (`node bin/sluice.js run`), so the time includes start-up. Events are generated inside the
 * worker slots; the main thread only hands out offset ranges and merges ~1,000 partials per batch.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { batchLogs, type ChildRun, logSpanMs, runSluice } from './support/child.ts';
import { countedByFileSink } from './support/output.ts';
import { profileFiles, profileTable, summarizeProfile } from './support/profile.ts';
import { fixed, int, markdownTable, spread, withRange } from './support/stats.ts';

export type GeneratorBenchOptions = {
  readonly runs: number;
  /** SLUICE_GENERATOR_EVENTS: per partition. */
  readonly eventsPerPartition: number;
  readonly partitions: number;
  readonly workers: readonly number[];
  readonly maxRecords: readonly number[];
  /** Also profile one run per slot count and print the worker's top functions. */
  readonly profile: boolean;
  readonly log: (line: string) => void;
};

export type GeneratorRow = {
  readonly workers: number;
  readonly maxRecords: number;
  readonly events: number;
  readonly wallMs: number[];
  readonly cpuMs: number[];
  readonly engineMs: number[];
  readonly batchRecords: number[];
  readonly batchMs: number[];
};

function env(options: GeneratorBenchOptions, workers: number, maxRecords: number, dir: string) {
  return {
    SLUICE_TRIGGER: 'available-now',
    SLUICE_SINK: `file:${dir}`,
    SLUICE_WORKERS: String(workers),
    SLUICE_GENERATOR_PARTITIONS: String(options.partitions),
    SLUICE_GENERATOR_EVENTS: String(options.eventsPerPartition),
    SLUICE_MAX_RECORDS_PER_BATCH: String(maxRecords),
    // The engine's per-batch "batch done" lines (records, processingMs) are debug level.
    SLUICE_LOG_LEVEL: 'debug',
  };
}

async function once(
  options: GeneratorBenchOptions,
  workers: number,
  maxRecords: number,
  nodeArgs: readonly string[] = [],
): Promise<ChildRun> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-out-'));
  try {
    const run = await runSluice(env(options, workers, maxRecords, dir), nodeArgs);
    const expected = options.eventsPerPartition * options.partitions;
    const counted = countedByFileSink(dir);
    if (counted !== expected) throw new Error(`the job counted ${counted} events; expected ${expected}`);
    return run;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function generatorBench(options: GeneratorBenchOptions): Promise<GeneratorRow[]> {
  const rows = new Map<string, GeneratorRow>();
  const events = options.eventsPerPartition * options.partitions;
  for (const workers of options.workers) {
    for (const maxRecords of options.maxRecords) {
      rows.set(`${workers}/${maxRecords}`, {
        workers,
        maxRecords,
        events,
        wallMs: [],
        cpuMs: [],
        engineMs: [],
        batchRecords: [],
        batchMs: [],
      });
    }
  }
  // Rounds outermost, so a slow phase of the machine spreads over every configuration.
  for (let round = 1; round <= options.runs; round++) {
    for (const row of rows.values()) {
      const run = await once(options, row.workers, row.maxRecords);
      row.wallMs.push(run.wallMs);
      row.cpuMs.push(run.cpuMs);
      row.engineMs.push(logSpanMs(run, 'sluice started', 'engine stopped'));
      for (const batch of batchLogs(run)) {
        row.batchRecords.push(batch.records);
        row.batchMs.push(batch.processingMs);
      }
      options.log(
        `generator round ${round}: ${row.workers} slot(s), ${row.maxRecords}/batch: ${int((events / run.wallMs) * 1000)} events/s`,
      );
    }
  }
  return [...rows.values()];
}

export function generatorTable(rows: readonly GeneratorRow[]): string {
  return markdownTable(
    [
      'slots',
      'max records / partition batch',
      'events',
      'events/s, wall (process start to exit)',
      'events/s, engine loop',
      'CPU ns / event (all threads)',
      'records / batch',
      'batch processing ms',
    ],
    rows.map((row) => [
      String(row.workers),
      int(row.maxRecords),
      int(row.events),
      withRange(spread(row.wallMs.map((ms) => (row.events / ms) * 1000))),
      withRange(spread(row.engineMs.map((ms) => (row.events / ms) * 1000))),
      withRange(spread(row.cpuMs.map((ms) => (ms * 1e6) / row.events))),
      int(spread(row.batchRecords).median),
      withRange(spread(row.batchMs), (ms) => fixed(ms, 0)),
    ]),
  );
}

/** One profiled run (not timed): the top self-time functions of the main thread and of one worker. */
export async function generatorProfile(
  options: GeneratorBenchOptions,
  workers: number,
  maxRecords: number,
): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-prof-'));
  try {
    await once(options, workers, maxRecords, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
    const files = profileFiles(dir);
    const parts: string[] = [];
    if (files.main) parts.push(profileTable('main thread', summarizeProfile(files.main, 10)));
    const worker = files.workers[0];
    if (worker) parts.push(profileTable('worker slot 1', summarizeProfile(worker, 15)));
    return parts.join('\n\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
