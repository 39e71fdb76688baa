/** The direct source's fetch buffers: per owned partition, what kafkajs fetched and no batch took yet. */
import type { Batch, Consumer, KafkaMessage } from 'kafkajs';
import type { SluiceConfig } from '../../config/index.ts';
import type { BufferedPartition } from '../../coordinator/index.ts';
import { type Logger, type PartitionId, partitionId, partitionName } from '../../core/index.ts';
import { recordBytes } from './record-bytes.ts';

export type PartitionBuffer = {
  readonly topic: string;
  readonly partition: number;
  messages: KafkaMessage[];
  /** Bytes of the buffered messages' keys, values and headers. */
  bytes: number;
  /** Next offset to hand out: the end of the last batch cut for this partition. */
  position: bigint | undefined;
  paused: boolean;
  /** The partition's log end as of its last fetch: with the position, its backlog. */
  highWatermark: bigint | undefined;
  /** The records the last batch was allowed from it; the buffer holds a few batches of that. */
  share: number;
  /** A replayed batch's end: the buffer does not pause before it holds the range. */
  replayUntil: bigint | undefined;
  /** Available-now: the partition's log end when it was assigned, where its run ends. */
  end: bigint | undefined;
};

/**
 * Fetching of a partition pauses once its buffer holds BUFFERED_BATCHES of its batches (the
 * records a batch may take from it, under backpressure fewer than SLUICE_MAX_RECORDS_PER_BATCH),
 * and at least MIN_BUFFERED records (or SLUICE_MAX_RECORDS_PER_BATCH, when smaller) so that a
 * small budget does not pause after every fetch.
 */
const BUFFERED_BATCHES = 2;
const MIN_BUFFERED = 1000;

/**
 * The buffers of the partitions owned, fed by kafkajs's eachBatch: fetching of a partition pauses
 * while its buffer is full and resumes once batches took half of it.
 */
export class FetchBuffers {
  readonly #consumer: Consumer;
  readonly #config: SluiceConfig;
  readonly #buffers = new Map<PartitionId, PartitionBuffer>();
  #stopped = false;

  constructor(consumer: Consumer, config: SluiceConfig) {
    this.#consumer = consumer;
    this.#config = config;
  }

  /** Fetching stopped for good: the engine drains the batch in flight (see stop). */
  get stopped(): boolean {
    return this.#stopped;
  }

  get(id: PartitionId): PartitionBuffer | undefined {
    return this.#buffers.get(id);
  }

  all(): PartitionBuffer[] {
    return [...this.#buffers.values()];
  }

  /**
   * Takes the fetched batch's records not yet cut into a batch (after a rebalance kafkajs
   * refetches from the committed offset; what this instance has already cut must not be
   * processed twice), and notes the partition's log end. Returns how many it took.
   */
  append(buffer: PartitionBuffer, batch: Batch): number {
    let messages = batch.messages;
    if (buffer.position !== undefined && BigInt(messages[0]?.offset ?? '0') < buffer.position) {
      const position = buffer.position;
      messages = messages.filter((message) => BigInt(message.offset) >= position);
    }
    for (const message of messages) {
      buffer.messages.push(message);
      buffer.bytes += recordBytes(message);
    }
    buffer.highWatermark = BigInt(batch.highWatermark);
    return messages.length;
  }

  /**
   * A full buffer stops fetching the partition until batches have drained half of it: memory
   * stays bounded while batches are slow, and the consumer goes on heartbeating meanwhile.
   */
  pauseIfFull(buffer: PartitionBuffer): void {
    if (!this.#full(buffer) || buffer.paused) return;
    buffer.paused = true;
    this.#consumer.pause([{ topic: buffer.topic, partitions: [buffer.partition] }]);
  }

  /** Resumes fetching of a paused partition below half, or awaiting a replay (draining keeps it paused). */
  resumeIfRoom(buffer: PartitionBuffer): void {
    if (!buffer.paused || this.#stopped) return;
    if (!this.#halfEmpty(buffer) && !awaitingReplay(buffer)) return;
    buffer.paused = false;
    this.#consumer.resume([{ topic: buffer.topic, partitions: [buffer.partition] }]);
  }

  /** Records of the partition not yet cut into a batch: fetched, or known to be in the log. */
  backlog(buffer: PartitionBuffer): number {
    const { position, highWatermark, messages } = buffer;
    const inLog =
      position !== undefined && highWatermark !== undefined ? Number(highWatermark - position) : 0;
    return Math.max(messages.length, inLog);
  }

  /** Records fetched and not yet in a batch, that a batch can take (available-now: below its end). */
  waiting(): number {
    let count = 0;
    for (const buffer of this.#buffers.values()) {
      const target = buffer.end;
      const last = buffer.messages.at(-1);
      if (target === undefined || (last && BigInt(last.offset) < target)) {
        count += buffer.messages.length;
        continue;
      }
      for (const message of buffer.messages) {
        if (BigInt(message.offset) >= target) break;
        count++;
      }
    }
    return count;
  }

  /** Available-now: every partition owned reached its end (as of its assignment). */
  drained(owns: (id: PartitionId) => boolean): boolean {
    for (const [id, buffer] of this.#buffers) {
      if (buffer.end === undefined || !owns(id)) continue;
      if (buffer.position === undefined || buffer.position < buffer.end) return false;
    }
    return true;
  }

  buffered(): BufferedPartition[] {
    return [...this.#buffers.values()].map(({ topic, partition, messages, bytes, paused }) => ({
      topic,
      partition,
      records: messages.length,
      bytes,
      paused,
    }));
  }

  /** Per-partition positions (next offset to process), for tests and the lag view. */
  positions(): Map<string, bigint | undefined> {
    return new Map([...this.#buffers].map(([key, buffer]) => [key, buffer.position]));
  }

  /**
   * A new assignment: buffers of partitions kept drop their uncut records (kafkajs refetches from
   * the committed offset; dropping them avoids gaps), the others go (`onRevoked`), and new
   * partitions get empty buffers, not yet positioned. Returns the partitions owned and the new.
   */
  reassign(
    assignment: Record<string, number[]>,
    restarted: boolean,
    onRevoked: ((topic: string, partition: number) => void) | undefined,
  ): { owned: Set<PartitionId>; fresh: { topic: string; partition: number }[] } {
    const owned = new Set<PartitionId>();
    for (const [topic, partitions] of Object.entries(assignment)) {
      for (const partition of partitions) owned.add(partitionId(topic, partition));
    }
    for (const [key, buffer] of this.#buffers) {
      if (owned.has(key)) {
        buffer.messages = [];
        buffer.bytes = 0;
        buffer.paused = false;
        // A restarted consumer without a commit would start as configured (`latest`: a gap).
        if (restarted && buffer.position !== undefined) {
          this.#consumer.seek({
            topic: buffer.topic,
            partition: buffer.partition,
            offset: buffer.position.toString(),
          });
        }
        continue;
      }
      this.#buffers.delete(key);
      onRevoked?.(buffer.topic, buffer.partition);
    }
    return { owned, fresh: this.#addFresh(assignment) };
  }

  /**
   * The engine is draining: stop fetching, so the batch in flight is the last one and nothing
   * more is fetched only to be dropped.
   */
  stop(log: Logger): void {
    if (this.#stopped) return;
    this.#stopped = true;
    const byTopic = new Map<string, number[]>();
    for (const { topic, partition } of this.#buffers.values()) {
      byTopic.set(topic, [...(byTopic.get(topic) ?? []), partition]);
    }
    const partitions = [...byTopic].map(([topic, list]) => ({ topic, partitions: list }));
    try {
      this.#consumer.pause(partitions);
    } catch (error) {
      // Not running (a crash, or not started): nothing is being fetched.
      const reason = error instanceof Error ? error.message : String(error);
      log.info({ reason }, 'fetching stopped: the consumer is not running');
      return;
    }
    const paused = this.all().map(({ topic, partition }) => partitionName(topic, partition));
    log.info({ paused: paused.sort() }, 'fetching paused: draining the batch in flight');
  }

  #addFresh(assignment: Record<string, number[]>): { topic: string; partition: number }[] {
    // kafkajs keeps a partition's pause across rebalances, also one revoked and assigned again:
    // a paused partition whose buffer starts unpaused would never be fetched again.
    const assigned = Object.entries(assignment).map(([topic, partitions]) => ({
      topic,
      partitions: [...partitions],
    }));
    if (this.#stopped) this.#consumer.pause(assigned);
    else this.#consumer.resume(assigned);
    const fresh = Object.entries(assignment).flatMap(([topic, partitions]) =>
      partitions
        .filter((partition) => !this.#buffers.has(partitionId(topic, partition)))
        .map((partition) => ({ topic, partition })),
    );
    for (const { topic, partition } of fresh) {
      this.#buffers.set(partitionId(topic, partition), {
        topic,
        partition,
        messages: [],
        bytes: 0,
        position: undefined,
        paused: false,
        highWatermark: undefined,
        share: this.#config.maxRecordsPerBatch,
        replayUntil: undefined,
        end: undefined,
      });
    }
    return fresh;
  }

  /** Where fetching of the partition pauses (its buffer full) and, at half of it, resumes. */
  #limit(buffer: PartitionBuffer): number {
    const floor = Math.min(MIN_BUFFERED, this.#config.maxRecordsPerBatch);
    return BUFFERED_BATCHES * Math.max(floor, buffer.share);
  }

  /** Full: its records or its bytes reached the limit; not while a replay waits for more of it. */
  #full(buffer: PartitionBuffer): boolean {
    if (awaitingReplay(buffer)) return false;
    return (
      buffer.messages.length >= this.#limit(buffer) ||
      buffer.bytes >= this.#config.maxBufferedBytesPerPartition
    );
  }

  /** Below half of both limits: fetching resumes. */
  #halfEmpty(buffer: PartitionBuffer): boolean {
    return (
      buffer.messages.length < this.#limit(buffer) / 2 &&
      buffer.bytes < this.#config.maxBufferedBytesPerPartition / 2
    );
  }
}

/** A logged batch's range is not all here yet: pausing would wait for it for ever. */
function awaitingReplay({ replayUntil, messages }: PartitionBuffer): boolean {
  return replayUntil !== undefined && BigInt(messages.at(-1)?.offset ?? '-1') < replayUntil - 1n;
}
