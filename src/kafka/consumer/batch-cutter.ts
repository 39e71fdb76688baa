/** The direct source's batch cutting: offset ranges of the fetch buffers as the slots' work. */
import type { KafkaMessage } from 'kafkajs';
import { type BatchBudget, shareBudget } from '../../backpressure/index.ts';
import type { SluiceConfig } from '../../config/index.ts';
import type { PartitionWork } from '../../coordinator/index.ts';
import type { OffsetRange } from '../../core/index.ts';
import { toOffset } from '../../core/index.ts';
import { BufferPool, kafkaBatchTask } from '../../task/index.ts';
import type { FetchBuffers, PartitionBuffer } from './fetch-buffer.ts';
import { bytesOf, countWithin } from './record-bytes.ts';

/**
 * Cuts batches from the fetch buffers: each cut moves a partition's position to the end of its
 * range, and its records go to a slot as the batch format (encoded when the task is built).
 */
export class BatchCutter {
  readonly #buffers: FetchBuffers;
  readonly #pool: BufferPool;
  readonly #config: SluiceConfig;

  constructor(buffers: FetchBuffers, config: SluiceConfig) {
    this.#buffers = buffers;
    // Free buffers beyond two batches' bytes (sizes are powers of two) would only hold memory.
    this.#pool = new BufferPool({ maxFreeBytes: 2 * config.maxBytesPerBatch });
    this.#config = config;
  }

  /**
   * The next batch: from each buffer, its share of `budget` (by backlog) and of
   * SLUICE_MAX_BYTES_PER_BATCH (by bytes buffered); available-now, nothing at or past its end.
   */
  cut(budget: BatchBudget): PartitionWork[] {
    const work: PartitionWork[] = [];
    const buffers = this.#buffers.all();
    const shares = shareBudget(
      buffers.map((buffer) => this.#buffers.backlog(buffer)),
      budget,
    );
    const byteShares = shareBudget(
      buffers.map((buffer) => buffer.bytes),
      { total: this.#config.maxBytesPerBatch, perPartition: undefined },
    );
    for (const [index, buffer] of buffers.entries()) {
      const item = this.#cutOne(buffer, shares[index] ?? 0, byteShares[index] ?? 0);
      if (item) work.push(item);
    }
    return work;
  }

  /** A logged batch again: the buffer's records below `until`, as the range up to `until`. */
  replayed(buffer: PartitionBuffer, until: bigint): PartitionWork {
    let count = 0;
    while (count < buffer.messages.length && BigInt(buffer.messages[count]?.offset ?? '0') < until) count++;
    return this.#take(buffer, count, until);
  }

  /** Up to `share` records and `byteShare` bytes (at least one record) of the buffer, as a batch. */
  #cutOne(buffer: PartitionBuffer, share: number, byteShare: number): PartitionWork | undefined {
    const target = buffer.end;
    const max = Math.min(this.#config.maxRecordsPerBatch, share);
    if (share > 0) buffer.share = max;
    let count = Math.min(max, buffer.messages.length);
    if (target !== undefined) {
      while (count > 0 && BigInt(buffer.messages[count - 1]?.offset ?? '0') >= target) count--;
    }
    count = countWithin(buffer.messages, count, byteShare);
    if (count === 0) return undefined;
    return this.#take(buffer, count);
  }

  /** The first `count` buffered messages as a batch; `until` overrides the range's end. */
  #take(buffer: PartitionBuffer, count: number, until?: bigint): PartitionWork {
    const messages = buffer.messages.slice(0, count);
    buffer.messages = buffer.messages.slice(count);
    buffer.bytes -= bytesOf(messages);
    this.#buffers.resumeIfRoom(buffer);
    const first = BigInt(messages[0]?.offset ?? '0');
    const range: OffsetRange = {
      topic: buffer.topic,
      partition: buffer.partition,
      fromOffset: toOffset(buffer.position ?? first),
      untilOffset: toOffset(until ?? BigInt(messages.at(-1)?.offset ?? '0') + 1n),
    };
    buffer.position = range.untilOffset;
    return this.#work(buffer, range, messages);
  }

  #work(buffer: PartitionBuffer, range: OffsetRange, messages: KafkaMessage[]): PartitionWork {
    const { topic, partition } = buffer;
    let encoded: SharedArrayBuffer | undefined;
    // Let go once the slot is done with them: the batch's outputs may take long (a slow sink).
    let held = messages;
    return {
      range,
      records: messages.length,
      task: (info) => {
        const task = kafkaBatchTask(info, { topic, partition, messages: held }, this.#pool);
        encoded = task.buffer;
        return task;
      },
      settled: () => {
        held = [];
        if (encoded) this.#pool.release(encoded);
      },
      values: () => held.map((message) => message.value),
    };
  }
}
