import { setTimeout as sleep } from 'node:timers/promises';
import type { BatchBudget, RateController } from '../backpressure/index.ts';
import type { BatchInfo, Logger, PartitionPosition } from '../core/index.ts';
import { partitionId } from '../core/index.ts';
import type { Plan } from '../dsl/index.ts';
import { ErrorCode, slotFailure } from '../errors/index.ts';
import { type DecodeFailure, KeyGroups, type PartitionResult } from '../task/index.ts';
import { WatermarkTracker } from '../window/index.ts';
import type { KeyedState } from './keyed-state.ts';
import { mergePartitions } from './merge.ts';
import type { CheckpointPort, OutputPort, RepartitionPort, TransactionPort } from './ports.ts';
import type { Routing } from './repartition.ts';
import { decodeForward, decodeWindowMessage, type WindowIncoming } from './repartition-records.ts';
import type { Slots } from './slots.ts';
import type { BatchSource, PartitionWork } from './source.ts';
import type { WindowExchange } from './window-exchange.ts';
import { WindowMerger } from './window-merge.ts';

export type Trigger = 'micro-batch' | 'continuous' | 'available-now';

export type BatchStats = {
  readonly info: BatchInfo;
  /** Records the source handed to the batch. */
  readonly consumed: number;
  /** Records the slots ran through the job. */
  readonly records: number;
  readonly decodeErrors: number;
  readonly deadLettered: number;
  /** Records event-time windows found older than the watermark. */
  readonly late: number;
  /** The event-time watermark the batch ran with (epoch ms; -∞ before any event time). */
  readonly watermark: number;
  /** Batch time to start of processing, ms (Spark's scheduling delay). */
  readonly schedulingDelayMs: number;
  readonly processingMs: number;
  /** The backpressure rate after this batch, records per second (undefined: none, or not yet). */
  readonly rate?: number;
  /** After the batch: keys (or `window` records) the owned partitions' windows hold, in the slots. */
  readonly windowState?: number;
  /** After the batch: keys with keyed state (updateStateByKey, mapWithState) held here. */
  readonly keyedState?: number;
};

/** The batch running now, for the stall watchdog: what it waits on when it does not finish. */
export type BatchInFlight = {
  readonly batchId: number;
  readonly records: number;
  /** When it started, on the engine's clock. */
  readonly startedAt: number;
  readonly step: 'processing' | 'writing outputs' | 'committing';
};

export type EngineOptions = {
  readonly plan: Plan;
  readonly slots: Pick<Slots, 'run'>;
  readonly source: BatchSource;
  readonly outputs: OutputPort;
  readonly trigger: Trigger;
  readonly intervalMs: number;
  readonly commitIntervalMs: number;
  readonly log: Logger;
  /** Writes decode failures to the dead-letter topic (dlq policy); before the batch is committed. */
  readonly deadLetter?: (failures: readonly DecodeFailure[]) => Promise<void>;
  readonly onBatch?: (stats: BatchStats) => void;
  readonly now?: () => number;
  /** Backpressure and the per-partition rate cap: how many records each batch takes. */
  readonly rates?: RateController;
  /** A partition without records for this long stops holding the event-time watermark back. */
  readonly idleTimeoutMs?: number;
  readonly checkpoints?: CheckpointPort;
  readonly transactions?: TransactionPort;
  /** The window merger and watermark the checkpoints capture (made here when not given). */
  readonly windows?: { readonly merger: WindowMerger; readonly watermark: WatermarkTracker };
  /** Keyed state (in the slots, or in this thread): required by a job with state operations. */
  readonly keyed?: KeyedState;
  /**
   * Window aggregations across instances (with `repartition`): merged by the owner of each key's
   * state partition, complete once every partition has fired through the window's end.
   */
  readonly exchange?: WindowExchange;
  readonly repartition?: RepartitionPort;
};

const DEFAULT_IDLE_TIMEOUT_MS = 30_000;
/** How often an idle continuous run asks a source that cannot say when records arrive. */
const POLL_MS = 10;

export type EngineSummary = {
  readonly batches: number;
  readonly records: number;
  readonly decodeErrors: number;
  readonly late: number;
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
  readonly #windows: WindowMerger;
  readonly #keyed: KeyedState | undefined;
  /** Set when the job has windows: they need every owned partition's slot on every batch. */
  readonly #watermark: WatermarkTracker | undefined;
  readonly #seen = new Map<string, { topic: string; partition: number }>();
  /** Per partition, the next offset its state has not seen: what a checkpoint covers. */
  readonly #positions = new Map<string, PartitionPosition>();
  /** The last batch whose outputs were written: what a checkpoint covers. */
  #lastBatch: number | undefined;
  /** The batch (or checkpoint) running now, and a revocation's checkpoint: never both at once. */
  #inFlight: Promise<void> | undefined;
  #revoking: Promise<void> | undefined;
  /** The last micro-batch time handed out. */
  #lastTime: number | undefined;
  /** When the last batch was cut: what a batch of the other triggers stands for, for the budget. */
  #lastCut: number | undefined;
  #current: { -readonly [K in keyof BatchInFlight]: BatchInFlight[K] } | undefined;
  /** When the last batch ran (continuous: an idle run ticks an interval after it). */
  #lastBatchAt: number | undefined;

  constructor(options: EngineOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#windows = options.windows?.merger ?? new WindowMerger();
    this.#keyed = options.keyed;
    if (options.plan.windows.length > 0) {
      this.#watermark =
        options.windows?.watermark ??
        new WatermarkTracker(options.plan.watermarks, options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS);
    }
  }

  /** Asks the loop to stop after the batch in flight: its outputs are written and committed. */
  stop(): void {
    this.#stopping = true;
    this.#wake?.();
    this.#options.source.interrupt?.();
    this.#options.outputs.interrupt();
  }

  /** The batch in flight, if one is. */
  inFlight(): BatchInFlight | undefined {
    return this.#current && { ...this.#current };
  }

  async run(): Promise<EngineSummary> {
    const { source, log } = this.#options;
    const summary = { batches: 0, records: 0, decodeErrors: 0, late: 0 };
    const count = (stats: BatchStats): void => {
      summary.batches++;
      summary.records += stats.records;
      summary.decodeErrors += stats.decodeErrors;
      summary.late += stats.late;
    };
    this.#lastCommit = this.#now();
    this.#lastBatchAt = this.#lastCommit;
    try {
      source.onRevoking?.(() => this.#revoke());
      await this.#exclusive(() => this.#replay(count));
      while (!this.#stopping) {
        const time = await this.#nextBatchTime();
        if (this.#stopping) break;
        const step = await this.#exclusive(async (): Promise<'done' | 'ran' | 'idle'> => {
          const work = await source.next(this.#budget());
          if (work === 'end') {
            // End of input. Without checkpoints, open windows would be lost: the watermark goes to +∞
            // and every one fires, as on Flink's bounded input. With them, the windows wait in the
            // checkpoint for the next run's records, and one batch without records fires what the
            // last batch's watermark closed (Structured Streaming's no-data batch).
            if (this.#watermark) {
              const end = this.#options.checkpoints ? undefined : Number.POSITIVE_INFINITY;
              count(await this.#runBatch(this.#now(), [], end));
            }
            return 'done';
          }
          if (this.#stopping && work.length === 0) return 'done';
          if (this.#idle(work)) {
            await this.#idleUpkeep();
            return 'idle';
          }
          this.#lastBatchAt = time;
          count(await this.#runBatch(time, work));
          if (this.#options.checkpoints?.due()) await this.#checkpoint();
          return 'ran';
        });
        if (step === 'done') break;
        // Outside the exclusive step: a revocation may run while the loop waits.
        if (step === 'idle') await this.#waitForData();
      }
      await this.#exclusive(async () => {
        await this.#checkpoint();
        await this.#flushCommits();
      });
    } finally {
      this.#current = undefined;
      log.info({ ...summary }, 'engine stopped');
    }
    return summary;
  }

  /**
   * One batch of `work` outside the loop, for a caller that cuts the batches itself (the
   * TestDriver): batch `batchId` at time `time`, with `watermark` instead of the current one (+∞:
   * the end of input). As a replayed batch, it leaves the batch log and the rate estimator alone.
   */
  async runBatch(
    batchId: number,
    time: number,
    work: readonly PartitionWork[],
    watermark?: number,
  ): Promise<BatchStats> {
    return this.#exclusive(() => this.#runBatch(time, work, watermark, batchId));
  }

  /** Runs `step` (a batch, a checkpoint) once no revocation runs, and marks it in flight. */
  async #exclusive<T>(step: () => Promise<T>): Promise<T> {
    while (this.#revoking) await this.#revoking;
    const { promise, resolve } = Promise.withResolvers<void>();
    this.#inFlight = promise;
    try {
      return await step();
    } finally {
      this.#inFlight = undefined;
      resolve();
    }
  }

  /**
   * The group takes this instance's partitions back (a rebalance): the batch in flight finishes,
   * then what is owned is checkpointed and committed, so the next owners restore it rather than
   * the last interval's checkpoint. No batch starts until the source has rejoined.
   */
  #revoke(): Promise<void> {
    const revocation = (async () => {
      await this.#inFlight;
      if (this.#options.checkpoints) await this.#checkpoint();
      else await this.#flushCommits();
    })();
    const settled = revocation.then(
      () => {},
      () => {},
    );
    this.#revoking = settled;
    void settled.finally(() => {
      if (this.#revoking === settled) this.#revoking = undefined;
    });
    return revocation;
  }

  /**
   * After a restore, the batches logged since the restored checkpoint run again with their ids,
   * times and ranges, so their outputs are the same; then a checkpoint makes the log empty.
   */
  async #replay(count: (stats: BatchStats) => void): Promise<void> {
    const { checkpoints, source, log } = this.#options;
    if (!checkpoints?.replay) return;
    // The first assignment restores the partitions: what to replay is known after it.
    await source.ready?.();
    const replay = await checkpoints.replay();
    if (!replay) return;
    // Batch ids go on from the restored checkpoint's, so a replayed batch keeps its own.
    this.#batchId = replay.nextBatchId;
    if (replay.nextBatchId > 0) this.#lastBatch = replay.nextBatchId - 1;
    if (replay.plans.length === 0) return;
    for (const plan of replay.plans) {
      const work = this.#stopping ? undefined : await source.replay?.(plan.ranges);
      if (!work) {
        log.warn(
          { batchId: plan.batchId },
          'a logged batch cannot be replayed as it was; going on with new batches',
        );
        break;
      }
      count(await this.#runBatch(plan.time, work, undefined, plan.batchId));
    }
    log.info({ batches: replay.plans.length }, 'logged batches replayed');
    await this.#checkpoint();
  }

  async #runBatch(
    time: number,
    work: readonly PartitionWork[],
    watermark?: number,
    replayedId?: number,
  ): Promise<BatchStats> {
    const { plan, slots, outputs, intervalMs, log } = this.#options;
    const started = this.#now();
    const info: BatchInfo = {
      batchId: replayedId ?? this.#batchId++,
      time,
      intervalMs,
      offsetRanges: work.map((item) => item.range),
      ...(this.#watermark ? { watermark: watermark ?? this.#watermark.current } : {}),
    };
    const consumed = work.reduce((sum, item) => sum + item.records, 0);
    this.#current = { batchId: info.batchId, records: consumed, startedAt: started, step: 'processing' };
    if (replayedId === undefined) {
      await this.#options.checkpoints?.planned?.({ batchId: info.batchId, time, ranges: info.offsetRanges });
    }
    // Transactions run on input partitions' ids: the owner of repartition partition q owns input q.
    this.#options.transactions?.own(
      this.#inputs(
        this.#options.source.owned?.() ??
          work.map(({ range }) => ({ topic: range.topic, partition: range.partition })),
      ),
    );
    const slotWork = work.filter((item) => !this.#isRepartition(item.range.topic));
    const routing = this.#options.repartition && this.#incoming(work);
    const results = await Promise.all(
      [...slotWork, ...this.#ticks(slotWork, time)].map(async (item) => {
        try {
          return await slots.run(item.range.topic, item.range.partition, item.task(info));
        } finally {
          item.settled?.();
        }
      }),
    );
    const failed = results.find((result) => result.fatal);
    if (failed?.fatal) throw slotFailure(asCode(failed.fatal.code), failed.fatal.message, failed.fatalError);

    const decodeFailures = results.flatMap((result) => result.failures);
    const decodeErrors = results.reduce((sum, result) => sum + result.decodeErrors, 0);
    if (decodeErrors > 0) this.#logDecodeErrors(results, decodeFailures);
    const late = results.reduce((sum, result) => sum + (result.late ?? 0), 0);
    if (late > 0) this.#logLate(results, late);
    const failures = [
      ...(decodeFailures[0]?.value !== undefined ? decodeFailures : []),
      ...results.flatMap((result) => result.lateFailures ?? []),
    ];
    let deadLettered = 0;
    this.#step('writing outputs');
    if (this.#options.deadLetter && failures.length > 0) {
      await this.#options.deadLetter(failures);
      deadLettered = failures.length;
    }
    const merged = await mergePartitions(plan, results, info, this.#windows, this.#ownedState(), routing);
    if (routing) await this.#options.repartition?.write(routing.outgoing);
    await outputs.write(merged, info);
    for (const range of info.offsetRanges) {
      const { topic, partition, untilOffset } = range;
      this.#positions.set(partitionId(topic, partition), { topic, partition, offset: untilOffset });
    }
    this.#step('committing');
    await this.#commit(info.offsetRanges);
    this.#lastBatch = info.batchId;
    this.#advanceWatermark(results, time);

    const schedulingDelayMs = Math.max(0, started - time);
    const processingMs = this.#now() - started;
    const rate =
      replayedId === undefined
        ? this.#observeRate(time, consumed, processingMs, schedulingDelayMs)
        : undefined;
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
      ...(rate === undefined ? {} : { rate }),
      ...(this.#watermark
        ? { windowState: results.reduce((sum, result) => sum + (result.stateEntries ?? 0), 0) }
        : {}),
      ...(this.#keyed ? { keyedState: this.#keyed.size } : {}),
    };
    log.debug(
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
    this.#options.onBatch?.(stats);
    return stats;
  }

  /**
   * The next batch's budget: a micro-batch stands for its interval; a batch of the other triggers
   * for the time since the one before, so that the rate cap holds there too.
   */
  #budget(): BatchBudget | undefined {
    const { rates, trigger, intervalMs } = this.#options;
    if (!rates?.limited) return undefined;
    const now = this.#now();
    const span = trigger === 'micro-batch' || this.#lastCut === undefined ? intervalMs : now - this.#lastCut;
    this.#lastCut = now;
    return rates.budget(Math.max(1, span));
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

  #isRepartition(topic: string): boolean {
    return this.#options.repartition?.topics.has(topic) === true;
  }

  /** The partitions of input topics among `partitions` (repartition topics left out). */
  #inputs<T extends { readonly topic: string }>(partitions: readonly T[]): T[] {
    return partitions.filter(({ topic }) => !this.#isRepartition(topic));
  }

  /**
   * The groups read from repartition partitions, per state operation, partitions in work order.
   * Decoded here, not in a slot: each record is one key's values of a batch, already grouped, so
   * this is per-key work like the merge of the slots' groups, and a slot would only re-encode it.
   */
  #incoming(work: readonly PartitionWork[]): Routing {
    const incoming = new Map<number, KeyGroups>();
    const windows = new Map<number, WindowIncoming[]>();
    for (const item of work) {
      const { topic, partition, fromOffset } = item.range;
      const node = this.#options.repartition?.topics.get(topic);
      if (node === undefined) continue;
      if (this.#options.plan.nodes[node]?.kind === 'windowAggregate') {
        const messages = windows.get(node) ?? [];
        for (const [index, value] of (item.values?.() ?? []).entries()) {
          if (!value) continue;
          const where = `${topic}-${partition} from offset ${fromOffset} (+${index})`;
          messages.push({ partition, message: decodeWindowMessage(value, where) });
        }
        windows.set(node, messages);
        continue;
      }
      let groups = incoming.get(node);
      if (!groups) {
        groups = new KeyGroups();
        incoming.set(node, groups);
      }
      for (const [index, value] of (item.values?.() ?? []).entries()) {
        if (!value) continue;
        const [key, values] = decodeForward(
          value,
          `${topic}-${partition} from offset ${fromOffset} (+${index})`,
        );
        groups.addAll(key, values);
      }
    }
    const { exchange } = this.#options;
    return { incoming, outgoing: [], ...(exchange ? { windows: { exchange, incoming: windows } } : {}) };
  }

  /**
   * Window state lives in the slots, and time moves for it even without records: every owned
   * partition without work gets an empty task, so its windows fire with everyone else's.
   */
  #ticks(work: readonly PartitionWork[], time: number): PartitionWork[] {
    if (!this.#watermark) return [];
    for (const item of work) {
      const { topic, partition } = item.range;
      this.#seen.set(partitionId(topic, partition), { topic, partition });
    }
    const owned = this.#inputs(this.#options.source.owned?.() ?? [...this.#seen.values()]);
    const busy = new Set(work.map((item) => partitionId(item.range.topic, item.range.partition)));
    const ids = new Set<string>(owned.map(({ topic, partition }) => partitionId(topic, partition)));
    // A partition that left: its clock no longer holds the watermark, its update-mode partials go.
    for (const id of this.#watermark.owned()) {
      if (ids.has(id)) continue;
      this.#watermark.forget(id);
      this.#windows.forget(id);
    }
    for (const id of ids) this.#watermark.own(id, time);
    return owned
      .filter(({ topic, partition }) => !busy.has(partitionId(topic, partition)))
      .map(({ topic, partition }) => ({
        range: { topic, partition, fromOffset: 0n, untilOffset: 0n },
        records: 0,
        task: (info) => ({ type: 'tick', info, topic, partition }),
      }));
  }

  #advanceWatermark(results: readonly PartitionResult[], time: number): void {
    if (!this.#watermark) return;
    for (const result of results) {
      this.#watermark.observe(partitionId(result.topic, result.partition), result.eventTimes ?? [], time);
    }
    this.#watermark.advance(time);
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

  /** The keyed state (and windows across instances), owning what the source owns now. */
  #ownedState(): KeyedState | undefined {
    const { exchange, source } = this.#options;
    const owned = (this.#keyed || exchange) && source.owned?.();
    if (owned) {
      this.#keyed?.own(owned);
      exchange?.own(owned);
    }
    return this.#keyed;
  }

  /**
   * A state partition can hold keys of other input partitions' records while its own brought none:
   * it is checkpointed too, at the position its input partition has not moved from.
   */
  #positionStatePartitions(): void {
    const { source } = this.#options;
    // Keyed state and windows own the same state partitions (both follow `source.owned()`).
    const held = this.#keyed?.partitions.held() ?? this.#options.exchange?.held() ?? [];
    for (const { topic, partition } of held) {
      const id = partitionId(topic, partition);
      const offset = this.#positions.has(id) ? undefined : source.position?.(topic, partition);
      if (offset !== undefined) this.#positions.set(id, { topic, partition, offset });
    }
  }

  /** Writes the owned partitions' checkpoints, then commits what they cover. */
  async #checkpoint(): Promise<void> {
    const { checkpoints, source } = this.#options;
    if (!checkpoints) return;
    const owned = source.owned?.();
    const ids = owned
      ? new Set<string>(owned.map(({ topic, partition }) => partitionId(topic, partition)))
      : undefined;
    for (const id of this.#positions.keys()) if (ids && !ids.has(id)) this.#positions.delete(id);
    this.#positionStatePartitions();
    await checkpoints.save([...this.#positions.values()], ids, this.#lastBatch);
    await this.#flushCommits();
  }

  /**
   * Continuous mode commits on its own interval; the other triggers after every batch. With
   * checkpoints, commits wait for the checkpoint that covers them.
   */
  async #commit(ranges: BatchInfo['offsetRanges']): Promise<void> {
    const { checkpoints, transactions } = this.#options;
    if (transactions) {
      // With checkpoints the transaction stays open until the checkpointer commits it.
      if (!checkpoints) {
        await transactions.commit(
          ranges.map(({ topic, partition, untilOffset }) => ({ topic, partition, offset: untilOffset })),
        );
      }
      return;
    }
    this.#pendingCommit.push(ranges);
    if (checkpoints) return;
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

  /**
   * Continuous: a cut without records runs no batch, except a tick once per interval for a job
   * whose results move with time alone (windows; keyed state: timeouts, updateStateByKey).
   */
  #idle(work: readonly PartitionWork[]): boolean {
    if (this.#options.trigger !== 'continuous') return false;
    if (work.some((item) => item.records > 0)) return false;
    return this.#tickIn() > 0;
  }

  /** Milliseconds until an idle continuous run's next tick; infinite for a job without ticks. */
  #tickIn(): number {
    if (!this.#watermark && !this.#keyed) return Number.POSITIVE_INFINITY;
    return (this.#lastBatchAt ?? Number.NEGATIVE_INFINITY) + this.#options.intervalMs - this.#now();
  }

  /** What an idle continuous run still owes: commits on their interval, checkpoints when due. */
  async #idleUpkeep(): Promise<void> {
    const { checkpoints, commitIntervalMs } = this.#options;
    if (checkpoints) {
      if (checkpoints.due()) await this.#checkpoint();
      return;
    }
    if (this.#now() - this.#lastCommit >= commitIntervalMs) await this.#flushCommits();
  }

  /**
   * An idle continuous run waits for records (or its next tick, or a commit due), so it spends no
   * CPU and kafkajs's fetches and heartbeats get the event loop.
   */
  async #waitForData(): Promise<void> {
    if (this.#stopping) return;
    const { source, intervalMs, commitIntervalMs, checkpoints } = this.#options;
    const commitIn =
      this.#pendingCommit.length > 0 && !checkpoints
        ? this.#lastCommit + commitIntervalMs - this.#now()
        : Number.POSITIVE_INFINITY;
    const waitMs = Math.max(1, Math.min(intervalMs, this.#tickIn(), commitIn));
    const controller = new AbortController();
    this.#wake = () => controller.abort();
    try {
      if (source.waitForData) await source.waitForData(waitMs, controller.signal);
      else await sleep(Math.min(waitMs, POLL_MS), undefined, { signal: controller.signal }).catch(() => {});
    } finally {
      this.#wake = undefined;
    }
  }

  /** Micro-batches start on multiples of the interval, like Spark's batch times. */
  async #nextBatchTime(): Promise<number> {
    const now = this.#now();
    if (this.#options.trigger !== 'micro-batch') return now;
    const { intervalMs } = this.#options;
    let time = (Math.floor(now / intervalMs) + 1) * intervalMs;
    // A timer that fires a little early leaves the clock just before the last batch's time, which
    // would come round again: each batch time is later than the one before.
    if (this.#lastTime !== undefined && time <= this.#lastTime) time = this.#lastTime + intervalMs;
    this.#lastTime = time;
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
