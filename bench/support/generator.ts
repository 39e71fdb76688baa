import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One configuration of a run on the built-in generator source. */
export type GeneratorRunSpec = {
  readonly workers: number;
  readonly partitions: number;
  /** SLUICE_GENERATOR_EVENTS: per partition. */
  readonly eventsPerPartition: number;
  /** SLUICE_MAX_RECORDS_PER_BATCH: per partition batch. */
  readonly maxRecords: number;
};

/** What a generator benchmark runs: every slot count × batch size, `runs` times. */
export type GeneratorSweep = {
  readonly runs: number;
  /** SLUICE_GENERATOR_EVENTS: per partition. */
  readonly eventsPerPartition: number;
  readonly partitions: number;
  readonly workers: readonly number[];
  readonly maxRecords: readonly number[];
  readonly log: (line: string) => void;
};

/** The sweep's configurations: every slot count with every batch size. */
export function sweepSpecs(sweep: GeneratorSweep): GeneratorRunSpec[] {
  const { partitions, eventsPerPartition } = sweep;
  return sweep.workers.flatMap((workers) =>
    sweep.maxRecords.map((maxRecords) => ({ workers, partitions, eventsPerPartition, maxRecords })),
  );
}

/** `available-now` over the generator (no SLUICE_BROKERS), with the engine's per-batch lines. */
export function generatorEnv(spec: GeneratorRunSpec): Record<string, string> {
  return {
    SLUICE_TRIGGER: 'available-now',
    SLUICE_WORKERS: String(spec.workers),
    SLUICE_GENERATOR_PARTITIONS: String(spec.partitions),
    SLUICE_GENERATOR_EVENTS: String(spec.eventsPerPartition),
    // Unpaced: the figures are the slots' speed, whatever the default rate.
    SLUICE_GENERATOR_RATE: '0',
    SLUICE_MAX_RECORDS_PER_BATCH: String(spec.maxRecords),
    // The engine's per-batch "batch done" lines (records, processingMs) are debug level.
    SLUICE_LOG_LEVEL: 'debug',
  };
}

/** Runs `fn` with a new temp folder, removed afterwards. */
export async function inTempDir<T>(prefix: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Measures every row `runs` times; rounds outermost, so a slow phase of the machine spreads over every row. */
export async function interleaved<Row>(
  rows: readonly Row[],
  runs: number,
  measure: (row: Row, round: number) => Promise<void>,
): Promise<void> {
  for (let round = 1; round <= runs; round++) {
    for (const row of rows) await measure(row, round);
  }
}
