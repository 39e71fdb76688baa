// A batch source over records given in memory: each push is one batch, in the slot batch format the Kafka source writes.
import type { BatchSource, BufferedPartition, PartitionWork } from '../coordinator/index.ts';
import type { Offset, OffsetRange } from '../core/index.ts';
import { partitionId, toOffset } from '../core/index.ts';
import { BufferPool, kafkaBatchTask } from '../task/index.ts';

export type TestRecord = {
  readonly partition?: number;
  /** Defaults to the next offset of the partition. */
  readonly offset?: bigint | number;
  readonly timestamp?: number;
  readonly key?: string | null;
  readonly topic?: string;
} & ({ readonly value: unknown } | { readonly bytes: string | Uint8Array | null });

export type MemorySourceOptions = {
  /** The topic of records that name none. */
  readonly topic: string;
  /** Partitions of `topic` owned from the start; the others once they bring a record. */
  readonly partitions?: readonly number[];
};

type Message = { key: Uint8Array | null; value: Uint8Array | null; offset: string; timestamp: string };
type Partition = { readonly topic: string; readonly partition: number; next: bigint };
type Given = { readonly value: unknown } | undefined;
type Batch = { readonly partition: Partition; readonly messages: Message[]; readonly given: Given[] };

/**
 * The TestDriver's source: `push(records)` queues one batch, which the next `next()` hands out
 * whole, one work item per partition (topic, then partition order) whose task is the records
 * encoded as the direct source encodes Kafka's, so a slot decodes them as in a run. A `value`
 * record goes without value bytes (a null value), its value handed to the job as it is through
 * `given`: it stands for what a decoder would have made, however deep or odd.
 * `end()` queues the end of input. It has no group: the partitions it owns only grow, nothing
 * is revoked, and a batch once handed out is gone (a logged batch cannot be replayed).
 */
export class MemorySource implements BatchSource {
  readonly name = 'memory';
  readonly #options: MemorySourceOptions;
  readonly #partitions = new Map<string, Partition>();
  readonly #queue: (Batch[] | 'end')[] = [];
  readonly #waiters = new Set<() => void>();
  /** Slot buffers, as the direct source keeps them: released once the task settled. */
  readonly #pool = new BufferPool();
  /** Every range committed, in order. */
  readonly committed: OffsetRange[] = [];
  #closed = false;
  /** The `value` records of the batch handed out last, per partition, by index in its batch. */
  #given = new Map<string, readonly Given[]>();

  constructor(options: MemorySourceOptions) {
    this.#options = options;
    for (const partition of options.partitions ?? []) this.#partitionOf(options.topic, partition);
  }

  /** Queues `records` as one batch; offsets not given follow the partition's last. */
  push(records: readonly TestRecord[]): void {
    const batches = new Map<string, Batch>();
    for (const record of records) {
      const partition = this.#partitionOf(record.topic ?? this.#options.topic, record.partition ?? 0);
      const offset = record.offset === undefined ? partition.next : BigInt(record.offset);
      partition.next = offset + 1n;
      const id = partitionId(partition.topic, partition.partition);
      let batch = batches.get(id);
      if (!batch) {
        batch = { partition, messages: [], given: [] };
        batches.set(id, batch);
      }
      batch.messages.push({
        key: record.key === undefined || record.key === null ? null : Buffer.from(record.key),
        value: 'bytes' in record ? bytesOf(record.bytes) : null,
        offset: offset.toString(),
        timestamp: String(record.timestamp ?? 0),
      });
      batch.given.push('bytes' in record ? undefined : { value: record.value });
    }
    this.#queue.push([...batches.values()].sort((a, b) => byPartition(a.partition, b.partition)));
    this.#wake();
  }

  /** Queues the end of input: the `next()` that reaches it returns `end`. */
  end(): void {
    this.#queue.push('end');
    this.#wake();
  }

  async next(): Promise<PartitionWork[] | 'end'> {
    const batch = this.#queue.shift();
    if (batch === undefined) return [];
    if (batch === 'end') return 'end';
    this.#given = new Map(
      batch.map((item) => [partitionId(item.partition.topic, item.partition.partition), item.given]),
    );
    return batch.map(({ partition: { topic, partition }, messages }) => {
      const buffers: SharedArrayBuffer[] = [];
      const fromOffset = toOffset(messages[0]?.offset ?? '0');
      const untilOffset = toOffset(BigInt(messages.at(-1)?.offset ?? '-1') + 1n);
      return {
        range: { topic, partition, fromOffset, untilOffset },
        records: messages.length,
        task: (info) => {
          const task = kafkaBatchTask(info, { topic, partition, messages }, this.#pool);
          buffers.push(task.buffer);
          return task;
        },
        settled: () => {
          for (const buffer of buffers.splice(0)) this.#pool.release(buffer);
        },
        values: () => messages.map((message) => message.value),
      };
    });
  }

  /**
   * Record `index` of the last batch's partition batch, when it is a `value` record: the value
   * the job gets as it is (a task runner's `GivenValues`); undefined for a `bytes` record.
   */
  given(topic: string, partition: number, index: number): Given {
    return this.#given.get(partitionId(topic, partition))?.[index];
  }

  buffered(): readonly BufferedPartition[] {
    const waiting = new Map<string, { records: number; bytes: number }>();
    for (const batch of this.#queue) {
      if (batch === 'end') continue;
      for (const { partition, messages } of batch) {
        const id = partitionId(partition.topic, partition.partition);
        const entry = waiting.get(id) ?? { records: 0, bytes: 0 };
        entry.records += messages.length;
        for (const { key, value } of messages) entry.bytes += (key?.length ?? 0) + (value?.length ?? 0);
        waiting.set(id, entry);
      }
    }
    return this.owned().map(({ topic, partition }) => ({
      topic,
      partition,
      records: waiting.get(partitionId(topic, partition))?.records ?? 0,
      bytes: waiting.get(partitionId(topic, partition))?.bytes ?? 0,
      paused: false,
    }));
  }

  async commit(ranges: readonly OffsetRange[]): Promise<void> {
    for (const range of ranges) this.committed.push(range);
  }

  async ready(): Promise<void> {}

  /** A batch handed out is not kept: a logged batch cannot be replayed as it was. */
  async replay(): Promise<PartitionWork[] | undefined> {
    return undefined;
  }

  position(topic: string, partition: number): Offset | undefined {
    const next = this.#partitions.get(partitionId(topic, partition))?.next;
    return next === undefined ? undefined : toOffset(next);
  }

  /** The partitions given at the start and those that brought records, in topic, then partition order. */
  owned(): readonly { readonly topic: string; readonly partition: number }[] {
    return [...this.#partitions.values()]
      .sort(byPartition)
      .map(({ topic, partition }) => ({ topic, partition }));
  }

  /** Nothing is ever revoked: there is no group. */
  onRevoking(): void {}

  waiting(): number {
    return this.buffered().reduce((sum, partition) => sum + partition.records, 0);
  }

  async waitForData(timeoutMs: number, signal: AbortSignal): Promise<void> {
    if (this.#queue.length > 0 || signal.aborted || this.#closed) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.#waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      signal.addEventListener('abort', done);
      this.#waiters.add(done);
    });
  }

  unavailable(): string | undefined {
    return undefined;
  }

  interrupt(): void {
    this.#wake();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#queue.length = 0;
    this.#wake();
  }

  #wake(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }

  #partitionOf(topic: string, partition: number): Partition {
    const id = partitionId(topic, partition);
    let entry = this.#partitions.get(id);
    if (!entry) {
      entry = { topic, partition, next: 0n };
      this.#partitions.set(id, entry);
    }
    return entry;
  }
}

function bytesOf(bytes: string | Uint8Array | null): Uint8Array | null {
  return typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
}

function byPartition(a: Partition, b: Partition): number {
  return a.topic.localeCompare(b.topic) || a.partition - b.partition;
}
