/** Runs one batch: log its plan, run its partitions in their slots, merge, write the outputs, commit; and reports what it saw. */
import { type BatchInfo, LatencyHistogram } from '../core/index.ts';
import { ErrorCode, slotFailure } from '../errors/index.ts';
import type { DecodeFailure, PartitionResult, SlotTask } from '../task/index.ts';
import type { WatermarkTracker } from '../window/index.ts';
import { MainProfile, operatorProfiles, partitionProfiles } from './batch-profile.ts';
import type { Commits } from './commits.ts';
import type { BatchInFlight, BatchStats, EngineOptions } from './engine-types.ts';
import { mergePartitions } from './merge.ts';
import type { Ownership } from './ownership.ts';
import type { RepartitionIngress } from './repartition-ingress.ts';
import type { PartitionWork } from './source.ts';
import type { WindowMerger } from './window-merge.ts';

export type BatchRunOptions = Pick<
  EngineOptions,
  | 'plan'
  | 'slots'
  | 'outputs'
  | 'log'
  | 'deadLetter'
  | 'onBatch'
  | 'rates'
  | 'tuner'
  | 'checkpoints'
  | 'transactions'
  | 'keyed'
  | 'repartition'
  | 'onBatchFailed'
> & {
  /** The batch interval now (the latency tuner moves it). */
  readonly interval: () => number;
  readonly now: () => number;
  readonly watermark: WatermarkTracker | undefined;
  readonly windows: WindowMerger;
  readonly ownership: Ownership;
  readonly ingress: RepartitionIngress;
  readonly commits: Commits;
};

export class BatchRun {
  readonly #options: BatchRunOptions;
  #batchId = 0;
  #current: { -readonly [K in keyof BatchInFlight]: BatchInFlight[K] } | undefined;
  /** The batch in flight's info, for `onBatchFailed`. */
  #failedInfo: BatchInfo | undefined;

  constructor(options: BatchRunOptions) {
    this.#options = options;
  }

  /** Batch ids go on from a restored checkpoint's, so that a replayed batch keeps its own. */
  continueFrom(nextBatchId: number): void {
    this.#batchId = nextBatchId;
  }

  /** The toKafka outputs the slots encode whose record batches they may write, with their topics' partitions. */
  async #sinkPartitions(): Promise<[number, number][]> {
    const { plan, outputs } = this.#options;
    const sinks: [number, number][] = [];
    if (!outputs.slotPartitions) return sinks;
    for (const id of plan.slotOutputs) {
      const node = plan.nodes[id];
      if (node?.kind !== 'output' || node.sink.type !== 'kafka') continue;
      const partitions = await outputs.slotPartitions(node.sink.topic);
      if (partitions !== undefined) sinks.push([id, partitions]);
    }
    return sinks;
  }

  /** The batch in flight, if one is. */
  inFlight(): BatchInFlight | undefined {
    return this.#current && { ...this.#current };
  }

  /** The run ended, perhaps in the middle of a batch: none is in flight. */
  clear(): void {
    this.#current = undefined;
  }

  /**
   * Runs `work` as the batch of `time`; `watermark` overrides the tracker's (+∞ at the end of
   * input), `replayedId` runs a logged batch again under its own id.
   */
  async run(
    time: number,
    work: readonly PartitionWork[],
    watermark?: number,
    replayedId?: number,
  ): Promise<BatchStats> {
    try {
      return await this.#run(time, work, watermark, replayedId);
    } catch (error) {
      const current = this.#current;
      if (current && this.#failedInfo)
        this.#options.onBatchFailed?.({ info: this.#failedInfo, step: current.step, error });
      throw error;
    }
  }

  async #run(
    time: number,
    work: readonly PartitionWork[],
    watermark: number | undefined,
    replayedId: number | undefined,
  ): Promise<BatchStats> {
    const { plan, slots, outputs, now, ownership, ingress, commits } = this.#options;
    const intervalMs = this.#options.interval();
    const started = now();
    const tracker = this.#options.watermark;
    const info: BatchInfo = {
      batchId: replayedId ?? this.#batchId++,
      time,
      intervalMs,
      offsetRanges: work.map((item) => item.range),
      ...(tracker ? { watermark: watermark ?? tracker.current } : {}),
    };
    const consumed = work.reduce((sum, item) => sum + item.records, 0);
    this.#failedInfo = info;
    this.#current = { batchId: info.batchId, records: consumed, startedAt: started, step: 'processing' };
    if (replayedId === undefined) {
      await this.#options.checkpoints?.planned?.({ batchId: info.batchId, time, ranges: info.offsetRanges });
    }
    // Transactions run on input partitions' ids: the owner of repartition partition q owns input q.
    this.#options.transactions?.own(ownership.transactional(work));
    const slotWork = work.filter((item) => !ingress.isRepartition(item.range.topic));
    const routing = ingress.routing(work);
    const sinks = await this.#sinkPartitions();
    const results = await Promise.all(
      [...slotWork, ...ownership.ticks(slotWork, time)].map(async (item) => {
        try {
          return await slots.run(item.range.topic, item.range.partition, withSinks(item.task(info), sinks));
        } finally {
          item.settled();
        }
      }),
    );
    const processedAt = now();
    const failed = results.find((result) => result.fatal);
    if (failed?.fatal) throw slotFailure(asCode(failed.fatal.code), failed.fatal.message, failed.fatalError);

    const decodeFailures = results.flatMap((result) => result.failures);
    const decodeErrors = results.reduce((sum, result) => sum + result.decodeErrors, 0);
    if (decodeErrors > 0) this.#logDecodeErrors(results, decodeFailures);
    const late = results.reduce((sum, result) => sum + (result.late ?? 0), 0);
    if (late > 0) this.#logLate(results, late);
    const callFailures = results.flatMap((result) => result.callFailures ?? []);
    if (callFailures.length > 0) {
      this.#options.log.warn(
        { count: callFailures.length, sample: failureSample(callFailures) },
        'asynchronous calls failed; their records go to the dead-letter topic',
      );
    }
    const failures = [
      ...(decodeFailures[0]?.value !== undefined ? decodeFailures : []),
      ...results.flatMap((result) => result.lateFailures ?? []),
      ...callFailures,
    ];
    let deadLettered = 0;
    this.#step('writing outputs');
    if (this.#options.deadLetter && failures.length > 0) {
      await this.#options.deadLetter(failures);
      deadLettered = failures.length;
    }
    const main = new MainProfile();
    const merged = await mergePartitions(
      plan,
      results,
      info,
      this.#options.windows,
      ownership.ownedState(),
      routing,
      main,
    );
    if (routing) await this.#options.repartition?.write(routing.outgoing);
    const written = await outputs.write(merged, info);
    let writtenAt = now();
    this.#step('committing');
    await commits.written(info);
    // Under exactly-once the outputs are visible once the transaction committed.
    if (this.#options.transactions) writtenAt = now();
    ownership.advanceWatermark(results, time);

    const schedulingDelayMs = Math.max(0, started - time);
    const processingMs = now() - started;
    const rate =
      replayedId === undefined
        ? this.#observeRate(time, consumed, processingMs, schedulingDelayMs)
        : undefined;
    const latency = recordLatency(results, writtenAt);
    const tuning =
      replayedId === undefined
        ? this.#options.tuner?.observe({
            p99Ms: latency.latency && latency.latency.percentile(0.99) / 1000,
            processingMs,
            records: consumed,
          })
        : undefined;
    if (tuning) this.#options.log.debug({ batchId: info.batchId, ...tuning }, 'latency tuning');
    const stats: BatchStats = {
      info,
      consumed,
      records: results.reduce((sum, result) => sum + result.records, 0),
      decodeErrors,
      deadLettered,
      late,
      watermark: info.watermark ?? Number.NEGATIVE_INFINITY,
      schedulingDelayMs,
      processingMs,
      slotsMs: processedAt - started,
      outputMs: writtenAt - processedAt,
      ...fetchWait(work, started),
      ...latency,
      ...(rate === undefined ? {} : { rate }),
      ...(tuning ? { tuning } : {}),
      ...(tracker
        ? { windowState: results.reduce((sum, result) => sum + (result.stateEntries ?? 0), 0) }
        : {}),
      ...(this.#options.keyed
        ? { keyedState: this.#options.keyed.size, keyedPartitions: this.#options.keyed.partitionSizes() }
        : {}),
      partitions: partitionProfiles(results),
      operators: operatorProfiles(plan, results, main),
      ...(written ? { outputs: written } : {}),
    };
    this.#options.log.debug(
      {
        batchId: info.batchId,
        records: stats.records,
        processingMs: stats.processingMs,
        offsets: info.offsetRanges.map(
          ({ topic, partition, untilOffset }) => `${topic}-${partition}@${untilOffset}`,
        ),
      },
      'batch done',
    );
    this.#current = undefined;
    this.#failedInfo = undefined;
    this.#options.onBatch?.(stats);
    return stats;
  }

  /** A batch as the backpressure estimator sees it (replays say nothing about today's rate). */
  #observeRate(
    time: number,
    records: number,
    processingMs: number,
    schedulingDelayMs: number,
  ): number | undefined {
    const { rates } = this.#options;
    rates?.observe({ time, records, processingMs, schedulingDelayMs });
    return rates?.rate;
  }

  #step(step: BatchInFlight['step']): void {
    if (this.#current) this.#current.step = step;
  }

  #logLate(results: readonly PartitionResult[], late: number): void {
    const perPartition = results
      .filter((result) => (result.late ?? 0) > 0)
      .map((result) => ({ topic: result.topic, partition: result.partition, count: result.late }));
    const sample = results
      .flatMap((result) => result.lateSample ?? [])
      .slice(0, 3)
      .map((item) => ({ ...item, offset: item.offset.toString() }));
    this.#options.log.warn({ late, perPartition, sample }, 'late records: older than the watermark');
  }

  #logDecodeErrors(results: readonly PartitionResult[], failures: readonly DecodeFailure[]): void {
    const perPartition = results
      .filter((result) => result.decodeErrors > 0)
      .map((result) => ({ topic: result.topic, partition: result.partition, count: result.decodeErrors }));
    this.#options.log.warn(
      { perPartition, sample: failureSample(failures) },
      'records that could not be decoded',
    );
  }
}

/** The first few failures, for a log line: origin and error. */
function failureSample(failures: readonly DecodeFailure[]): object[] {
  return failures.slice(0, 3).map((failure) => ({
    topic: failure.topic,
    partition: failure.partition,
    offset: failure.offset.toString(),
    error: failure.error,
  }));
}

const KNOWN_CODES = new Set<string>(Object.values(ErrorCode));

function asCode(code: string): ErrorCode {
  return KNOWN_CODES.has(code) ? (code as ErrorCode) : ErrorCode.worker;
}

/** The longest a record of the batch waited in the source's buffer, when the source says. */
function fetchWait(work: readonly PartitionWork[], started: number): { fetchWaitMs?: number } {
  let oldest = Number.POSITIVE_INFINITY;
  for (const item of work)
    if (item.fetchedAt !== undefined && item.fetchedAt < oldest) oldest = item.fetchedAt;
  return Number.isFinite(oldest) ? { fetchWaitMs: Math.max(0, started - oldest) } : {};
}

/**
 * The records' end-to-end latencies: each slot's ages (read when it started the batch) moved to
 * `writtenAt`, when the outputs were written. A result's ages are its own thread's bytes; one that
 * does not read as a histogram counts nothing.
 */
function recordLatency(
  results: readonly PartitionResult[],
  writtenAt: number,
): { latency?: LatencyHistogram } {
  const latency = new LatencyHistogram();
  for (const { latency: ages } of results) {
    if (!ages || !Array.isArray(ages.ages) || !Number.isFinite(ages.at)) continue;
    latency.merge(LatencyHistogram.fromSparse(ages.ages), (writtenAt - ages.at) * 1000);
  }
  return latency.count > 0 ? { latency } : {};
}

/** A batch task with the toKafka outputs whose record batches its slot writes. */
function withSinks(task: SlotTask, sinks: readonly [number, number][]): SlotTask {
  if (sinks.length === 0) return task;
  if (task.type === 'records' || task.type === 'kafka' || task.type === 'generate') return { ...task, sinks };
  return task;
}
