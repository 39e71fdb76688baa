/**
 * Generator → built-in `aggregate` job (count by url), `available-now`, as a child process
 * (`node bin/sluice.js run`), so the time includes start-up. Events are generated inside the
 * worker slots; the main thread only hands out offset ranges and merges ~1,000 partials per batch.
 */

import { addRun, type ChildRun, logSpanMs, runSluice } from './support/child.ts';
import {
  type GeneratorRunSpec,
  type GeneratorSweep,
  generatorEnv,
  inTempDir,
  interleaved,
  sweepSpecs,
} from './support/generator.ts';
import { countedByFileSink } from './support/output.ts';
import { profileFiles, profileTable, summarizeProfile } from './support/profile.ts';
import { fixed, int, markdownTable, spread, withRange } from './support/stats.ts';

export type GeneratorBenchOptions = GeneratorSweep & {
  /** Also profile one run per slot count and print the worker's top functions. */
  readonly profile: boolean;
};

export type GeneratorRow = GeneratorRunSpec & {
  readonly events: number;
  readonly wallMs: number[];
  readonly cpuMs: number[];
  readonly engineMs: number[];
  readonly batchRecords: number[];
  readonly batchMs: number[];
};

function once(spec: GeneratorRunSpec, nodeArgs: readonly string[] = []): Promise<ChildRun> {
  return inTempDir('sluice-bench-out-', async (dir) => {
    const run = await runSluice({ ...generatorEnv(spec), SLUICE_SINK: `file:${dir}` }, nodeArgs);
    const expected = spec.eventsPerPartition * spec.partitions;
    const counted = countedByFileSink(dir);
    if (counted !== expected) throw new Error(`the job counted ${counted} events; expected ${expected}`);
    return run;
  });
}

export async function generatorBench(options: GeneratorBenchOptions): Promise<GeneratorRow[]> {
  const events = options.eventsPerPartition * options.partitions;
  const rows = sweepSpecs(options).map(
    (spec): GeneratorRow => ({
      ...spec,
      events,
      wallMs: [],
      cpuMs: [],
      engineMs: [],
      batchRecords: [],
      batchMs: [],
    }),
  );
  await interleaved(rows, options.runs, async (row, round) => {
    const run = await once(row);
    addRun(row, run);
    row.engineMs.push(logSpanMs(run, 'sluice started', 'engine stopped'));
    options.log(
      `generator round ${round}: ${row.workers} slot(s), ${row.maxRecords}/batch: ${int((events / run.wallMs) * 1000)} events/s`,
    );
  });
  return rows;
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
export function generatorProfile(
  options: GeneratorBenchOptions,
  workers: number,
  maxRecords: number,
): Promise<string> {
  return inTempDir('sluice-bench-prof-', async (dir) => {
    const { partitions, eventsPerPartition } = options;
    const spec = { workers, partitions, eventsPerPartition, maxRecords };
    await once(spec, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
    const files = profileFiles(dir);
    const parts: string[] = [];
    if (files.main) parts.push(profileTable('main thread', summarizeProfile(files.main, 10)));
    const worker = files.workers[0];
    if (worker) parts.push(profileTable('worker slot 1', summarizeProfile(worker, 15)));
    return parts.join('\n\n');
  });
}
