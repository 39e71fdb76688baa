import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode, SluiceError } from '../errors/index.ts';
import type { Outputs } from '../sinks/index.ts';
import {
  type BatchInfo,
  type DecodeFailure,
  mergePartitions,
  type PartitionResult,
  type Plan,
} from '../stream/index.ts';
import type { Logger } from './logger.ts';
import type { Slots } from './slots.ts';
import type { BatchSource, PartitionWork } from './source.ts';

export type Trigger = 'micro-batch' | 'continuous' | 'available-now';

export type BatchStats = {
  readonly info: BatchInfo;
  readonly records: number;
  readonly decodeErrors: number;
  readonly deadLettered: number;
  /** Batch time to start of processing, ms (Spark's scheduling delay). */
  readonly schedulingDelayMs: number;
  readonly processingMs: number;
};

export type EngineOptions = {
  readonly plan: Plan;
  readonly slots: Pick<Slots, 'run'>;
  readonly source: BatchSource;
  readonly outputs: Outputs;
  readonly trigger: Trigger;
  readonly intervalMs: number;
  readonly commitIntervalMs: number;
  readonly log: Logger;
  /** Writes decode failures to the dead-letter topic (dlq policy); before the batch is committed. */
  readonly deadLetter?: (failures: readonly DecodeFailure[]) => Promise<void>;
  readonly onBatch?: (stats: BatchStats) => void;
  readonly now?: () => number;
};

export type EngineSummary = {
  readonly batches: number;
  readonly records: number;
  readonly decodeErrors: number;
};

/**
 * The coordinator's loop: on each trigger, take every partition's work from the source, run it
 * in the partitions' slots in parallel, merge, write the outputs, then commit. Outputs before
 * commits makes delivery at-least-once; a failure anywhere commits nothing and stops the run.
 */
export class Engine {
  readonly #options: EngineOptions;
  readonly #now: () => number;
  #stopping = false;
  #wake: (() => void) | undefined;
  #batchId = 0;
  #pendingCommit: BatchInfo['offsetRanges'][] = [];
  #lastCommit = 0;

  constructor(options: EngineOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** Asks the loop to stop after the batch in flight: its outputs are written and committed. */
  stop(): void {
    this.#stopping = true;
    this.#wake?.();
    this.#options.source.interrupt?.();
  }

  async run(): Promise<EngineSummary> {
    const { source, log } = this.#options;
    const summary = { batches: 0, records: 0, decodeErrors: 0 };
    this.#lastCommit = this.#now();
    try {
      while (!this.#stopping) {
        const time = await this.#nextBatchTime();
        if (this.#stopping) break;
        const work = await source.next();
        if (work === 'end' || (this.#stopping && work.length === 0)) break;
        const stats = await this.#runBatch(time, work);
        summary.batches++;
        summary.records += stats.records;
        summary.decodeErrors += stats.decodeErrors;
      }
      await this.#flushCommits();
    } finally {
      log.info({ ...summary }, 'engine stopped');
    }
    return summary;
  }

  async #runBatch(time: number, work: readonly PartitionWork[]): Promise<BatchStats> {
    const { plan, slots, outputs, intervalMs, log } = this.#options;
    const started = this.#now();
    const info: BatchInfo = {
      batchId: this.#batchId++,
      time,
      intervalMs,
      offsetRanges: work.map((item) => item.range),
    };
    const results = await Promise.all(
      work.map(async (item) => {
        try {
          return await slots.run(item.range.topic, item.range.partition, item.task(info));
        } finally {
          item.settled?.();
        }
      }),
    );
    const fatal = results.find((result) => result.fatal)?.fatal;
    if (fatal) throw new SluiceError(asCode(fatal.code), fatal.message);

    const failures = results.flatMap((result) => result.failures);
    const decodeErrors = results.reduce((sum, result) => sum + result.decodeErrors, 0);
    if (decodeErrors > 0) this.#logDecodeErrors(results, failures);
    let deadLettered = 0;
    if (this.#options.deadLetter && failures.length > 0 && failures[0]?.value !== undefined) {
      await this.#options.deadLetter(failures);
      deadLettered = failures.length;
    }
    await outputs.write(mergePartitions(plan, results, info), info);
    await this.#commit(info.offsetRanges);

    const stats: BatchStats = {
      info,
      records: results.reduce((sum, result) => sum + result.records, 0),
      decodeErrors,
      deadLettered,
      schedulingDelayMs: Math.max(0, started - time),
      processingMs: this.#now() - started,
    };
    log.debug(
      { batchId: info.batchId, records: stats.records, processingMs: stats.processingMs },
      'batch done',
    );
    this.#options.onBatch?.(stats);
    return stats;
  }

  /** Continuous mode commits on its own interval; the other triggers after every batch. */
  async #commit(ranges: BatchInfo['offsetRanges']): Promise<void> {
    this.#pendingCommit.push(ranges);
    if (
      this.#options.trigger !== 'continuous' ||
      this.#now() - this.#lastCommit >= this.#options.commitIntervalMs
    ) {
      await this.#flushCommits();
    }
  }

  async #flushCommits(): Promise<void> {
    if (this.#pendingCommit.length === 0) return;
    const ranges = this.#pendingCommit.flat();
    this.#pendingCommit = [];
    this.#lastCommit = this.#now();
    await this.#options.source.commit(ranges);
  }

  /** Micro-batches start on multiples of the interval, like Spark's batch times. */
  async #nextBatchTime(): Promise<number> {
    const now = this.#now();
    if (this.#options.trigger !== 'micro-batch') return now;
    const { intervalMs } = this.#options;
    const time = (Math.floor(now / intervalMs) + 1) * intervalMs;
    const controller = new AbortController();
    this.#wake = () => controller.abort();
    await sleep(time - now, undefined, { signal: controller.signal }).catch(() => {});
    this.#wake = undefined;
    return time;
  }

  #logDecodeErrors(results: readonly PartitionResult[], failures: readonly DecodeFailure[]): void {
    const perPartition = results
      .filter((result) => result.decodeErrors > 0)
      .map((result) => ({ topic: result.topic, partition: result.partition, count: result.decodeErrors }));
    const sample = failures.slice(0, 3).map((failure) => ({
      topic: failure.topic,
      partition: failure.partition,
      offset: failure.offset.toString(),
      error: failure.error,
    }));
    this.#options.log.warn({ perPartition, sample }, 'records that could not be decoded');
  }
}

const KNOWN_CODES = new Set<string>(Object.values(ErrorCode));

function asCode(code: string): ErrorCode {
  return KNOWN_CODES.has(code) ? (code as ErrorCode) : ErrorCode.worker;
}
