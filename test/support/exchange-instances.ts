/** Window aggregations across instances in memory: a simulated repartition topic, and instances running partitions through the real slot and merge halves. */
import {
  decodeWindowMessage,
  encodeWindowMessage,
  type Forward,
  mergePartitions,
  type Routing,
  WindowExchange,
  type WindowIncoming,
  WindowMerger,
} from '../../src/coordinator/index.ts';
import type { BatchInfo } from '../../src/core/index.ts';
import { toOffset } from '../../src/core/index.ts';
import { type DStream, defineJob, type Job, type Pair, type Plan } from '../../src/dsl/index.ts';
import {
  type PartitionStore,
  type RecordInput,
  runPartition,
  statePartitionOf,
} from '../../src/task/index.ts';

export const TOPIC = 'in';
export const PARTITIONS = 4;

/** An event goes to `partition`, or to the partition of its key. */
export type Event = {
  readonly key: string;
  readonly time: number;
  readonly value: number;
  readonly partition?: number;
};

export const partitionOf = (event: Event): number =>
  event.partition ?? statePartitionOf(event.key, PARTITIONS);

/**
 * A job over events whose window key is the event key's first letter (so each window key has
 * events in several partitions), aggregated with event time and no allowed lateness.
 */
export function byLetterJob(aggregate: (pairs: DStream<Pair<string, number>>) => DStream<unknown>): Job {
  return defineJob((ctx) => {
    const pairs = ctx
      .stream<Event>()
      .withWatermark(0, (record) => record.value.time)
      .map((record): [string, number] => [record.value.key.slice(0, 1), record.value.value]);
    aggregate(pairs).print();
  });
}

export function input(partition: number, events: readonly Event[]): RecordInput {
  return {
    topic: TOPIC,
    partition,
    count: events.length,
    offset: (index) => toOffset(BigInt(index)),
    raw: () => ({ key: null, value: null }),
    record: (index) => ({
      topic: TOPIC,
      partition,
      offset: toOffset(BigInt(index)),
      timestamp: 0,
      key: null,
      value: events[index],
    }),
  };
}

/** The repartition topic: per partition, the records written, in order. */
export class Topic {
  readonly partitions: Uint8Array[][] = Array.from({ length: PARTITIONS }, () => []);
  readonly read: number[] = Array.from({ length: PARTITIONS }, () => 0);

  write(forwards: readonly Forward[]): void {
    for (const forward of forwards) {
      if (!('message' in forward)) throw new Error('a keyed forward from a window job');
      this.partitions[forward.partition]?.push(encodeWindowMessage(forward.message));
    }
  }

  /** The records of `partition` not read yet. */
  take(partition: number): WindowIncoming[] {
    const records = this.partitions[partition] ?? [];
    const from = this.read[partition] ?? 0;
    this.read[partition] = records.length;
    return records.slice(from).map((bytes, index) => ({
      partition,
      message: decodeWindowMessage(bytes, `rep-${partition} (+${from + index})`),
    }));
  }
}

export class Instance {
  readonly exchange = new WindowExchange({ topic: TOPIC, partitions: PARTITIONS });
  readonly stores = new Map<number, PartitionStore>();
  readonly #plan: Plan;
  readonly #topic: Topic;
  /** Per owned partition, the largest event time seen: the watermark is their minimum. */
  readonly #clocks = new Map<number, number>();
  watermark = Number.NEGATIVE_INFINITY;
  readonly out: unknown[] = [];

  /** Whether the slots name their pairs' state partitions (a run's do), or the exchange hashes the keys. */
  readonly #named: boolean;
  /** Set: the instance merges every partition itself, as a run without brokers (the generator) does. */
  #merger: WindowMerger | undefined;

  /** One instance of every partition with the in-instance merge: no exchange, no topic. */
  static alone(plan: Plan): Instance {
    const instance = new Instance(plan, new Topic(), [0, 1, 2, 3]);
    instance.#merger = new WindowMerger();
    return instance;
  }

  constructor(plan: Plan, topic: Topic, owned: readonly number[], named = true) {
    this.#plan = plan;
    this.#topic = topic;
    this.#named = named;
    this.own(owned);
  }

  own(owned: readonly number[]): void {
    for (const partition of this.stores.keys()) if (!owned.includes(partition)) this.stores.delete(partition);
    for (const partition of owned) if (!this.stores.has(partition)) this.stores.set(partition, new Map());
    this.exchange.own(owned.map((partition) => ({ topic: TOPIC, partition })));
  }

  async batch(batchId: number, events: readonly Event[], end = false): Promise<unknown[]> {
    const info: BatchInfo = {
      batchId,
      time: 1000 + batchId,
      intervalMs: 1,
      offsetRanges: [],
      watermark: end ? Number.POSITIVE_INFINITY : this.watermark,
    };
    const results = [...this.stores].map(([partition, store]) => {
      const own = events.filter((event) => partitionOf(event) === partition);
      for (const event of own)
        this.#clocks.set(partition, Math.max(this.#clocks.get(partition) ?? 0, event.time));
      const options = this.#named ? { store, statePartitions: PARTITIONS } : { store };
      return runPartition(this.#plan, input(partition, own), info, 'fail', options);
    });
    const [output] = this.#merger
      ? await mergePartitions(this.#plan, results, info, this.#merger)
      : await this.#exchanged(results, info);
    const clocks = [...this.stores.keys()].map((partition) => this.#clocks.get(partition) ?? 0);
    this.watermark = Math.max(this.watermark, Math.min(...clocks));
    const values = output?.values ?? [];
    this.out.push(...values);
    return [...values];
  }

  async #exchanged(results: Parameters<typeof mergePartitions>[1], info: BatchInfo) {
    const incoming = [...this.stores.keys()].flatMap((partition) => this.#topic.take(partition));
    const node = this.#plan.windowAggregates[0]?.id ?? -1;
    const routing: Routing = {
      incoming: new Map(),
      outgoing: [],
      windows: { exchange: this.exchange, incoming: new Map([[node, incoming]]) },
    };
    const outputs = await mergePartitions(this.#plan, results, info, undefined, undefined, routing);
    this.#topic.write(routing.outgoing);
    return outputs;
  }
}

/** Two instances: `owner` holds only the state partition of `key`, `other` every other partition. */
export function ownerAndOther(plan: Plan, key: string): { q: number; owner: Instance; other: Instance } {
  const topic = new Topic();
  const q = statePartitionOf(key, PARTITIONS);
  const rest = Array.from({ length: PARTITIONS }, (_, partition) => partition).filter(
    (partition) => partition !== q,
  );
  return { q, owner: new Instance(plan, topic, [q]), other: new Instance(plan, topic, rest) };
}

/** Batch `batchId` at time `batchId`, run with `watermark`. */
export function batchAt(batchId: number, watermark: number): BatchInfo {
  return { batchId, time: batchId, intervalMs: 1, offsetRanges: [], watermark };
}
