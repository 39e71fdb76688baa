/** Which partitions this instance owns, and what follows them: transactional ids, window ticks and watermark clocks, keyed state, the window exchange. */
import { type Offset, type PartitionId, partitionId, type TopicPartition, toOffset } from '../core/index.ts';
import type { PartitionResult } from '../task/index.ts';
import type { WatermarkTracker } from '../window/index.ts';
import type { KeyedState } from './keyed-state.ts';
import type { RepartitionIngress } from './repartition-ingress.ts';
import type { Assignment, PartitionWork } from './source.ts';
import type { WindowExchange } from './window-exchange.ts';
import type { WindowMerger } from './window-merge.ts';

export type OwnershipOptions = {
  /** Absent: the partitions the source brings are owned, and nothing is revoked. */
  readonly assignment: Assignment | undefined;
  readonly ingress: RepartitionIngress;
  /** Set when the job has windows: they need every owned partition's slot on every batch. */
  readonly watermark: WatermarkTracker | undefined;
  readonly windows: WindowMerger;
  readonly keyed: KeyedState | undefined;
  readonly exchange: WindowExchange | undefined;
};

export class Ownership {
  readonly #options: OwnershipOptions;
  /** Without an assignment: every input partition a batch brought so far. */
  readonly #seen = new Map<PartitionId, TopicPartition>();

  constructor(options: OwnershipOptions) {
    this.#options = options;
  }

  /** Resolves once this instance has its first partitions (restored, with checkpoints). */
  async ready(): Promise<void> {
    await this.#options.assignment?.ready();
  }

  /** Runs `handler` before partitions are revoked (a rebalance); never without an assignment. */
  onRevoking(handler: () => Promise<void>): void {
    this.#options.assignment?.onRevoking(handler);
  }

  /**
   * The input partitions whose ids the batch's transaction runs on: the owner of repartition
   * partition q owns input q. Without an assignment, the batch's own partitions.
   */
  transactional(work: readonly PartitionWork[]): TopicPartition[] {
    const owned =
      this.#options.assignment?.owned() ??
      work.map(({ range }) => ({ topic: range.topic, partition: range.partition }));
    return this.#options.ingress.inputs(owned);
  }

  /**
   * Window state lives in the slots, and time moves for it even without records: every owned
   * partition without work gets an empty task, so its windows fire with everyone else's.
   */
  ticks(work: readonly PartitionWork[], time: number): PartitionWork[] {
    const { watermark, windows, assignment, ingress } = this.#options;
    if (!watermark) return [];
    for (const { range } of work) {
      this.#seen.set(partitionId(range.topic, range.partition), {
        topic: range.topic,
        partition: range.partition,
      });
    }
    const owned = ingress.inputs(assignment?.owned() ?? [...this.#seen.values()]);
    const busy = new Set(work.map(({ range }) => partitionId(range.topic, range.partition)));
    const ids = new Set<string>(owned.map(({ topic, partition }) => partitionId(topic, partition)));
    // A partition that left: its clock no longer holds the watermark, its update-mode partials go.
    for (const id of watermark.owned()) {
      if (ids.has(id)) continue;
      watermark.forget(id);
      windows.forget(id);
    }
    for (const id of ids) watermark.own(id, time);
    return owned
      .filter(({ topic, partition }) => !busy.has(partitionId(topic, partition)))
      .map(({ topic, partition }) => ({
        range: { topic, partition, fromOffset: toOffset(0), untilOffset: toOffset(0) },
        records: 0,
        task: (info) => ({ type: 'tick', info, topic, partition }),
        values: () => [],
        settled: () => {},
      }));
  }

  /** Moves the watermark on by the event times the batch's partitions saw. */
  advanceWatermark(results: readonly PartitionResult[], time: number): void {
    const { watermark } = this.#options;
    if (!watermark) return;
    for (const result of results) {
      watermark.observe(partitionId(result.topic, result.partition), result.eventTimes ?? [], time);
    }
    watermark.advance(time);
  }

  /** The keyed state (and windows across instances), owning what is owned now. */
  ownedState(): KeyedState | undefined {
    const { keyed, exchange, assignment } = this.#options;
    const owned = (keyed || exchange) && assignment?.owned();
    if (owned) {
      keyed?.own(owned);
      exchange?.own(owned);
    }
    return keyed;
  }

  /** The ids of the partitions a checkpoint covers: those owned now (undefined: every one seen). */
  checkpointed(): ReadonlySet<string> | undefined {
    const owned = this.#options.assignment?.owned();
    return owned && new Set<string>(owned.map(({ topic, partition }) => partitionId(topic, partition)));
  }

  /** The state partitions held here: keyed state and windows own the same ones, both following what is owned. */
  heldState(): readonly TopicPartition[] {
    const { keyed, exchange } = this.#options;
    return keyed?.partitions.held() ?? exchange?.held() ?? [];
  }

  /** The next offset of an owned partition (undefined: not positioned, or no assignment). */
  position(topic: string, partition: number): Offset | undefined {
    return this.#options.assignment?.position(topic, partition);
  }
}
