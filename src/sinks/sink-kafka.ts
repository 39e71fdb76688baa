// toKafka: a batch's values as Kafka messages, keys and partitions chosen by the sink's partitioner.

import type { Message, ProducerRecord } from 'kafkajs';

/** A producer, or the open transaction of an exactly-once run. */
export type RecordWriter = { send(record: ProducerRecord): Promise<unknown> };

import { compressionType } from '../codecs/index.ts';
import type { SinkSpec } from '../dsl/index.ts';
import { hashedPartitions } from '../kafka/index.ts';
import {
  DEFAULT_SINK_MAX_BATCH_BYTES,
  type EncodedOutput,
  type KafkaLayout,
  recordBytes,
  visitKafkaRecords,
} from '../task/index.ts';

type KafkaSpec = Extract<SinkSpec, { type: 'kafka' }>;

/**
 * Turns an output's encoded records (keys, values and partition hashes, made where the values
 * are: task/output-encoding.ts) into Kafka messages whose key and value are views of those
 * bytes. Choosing partitions here, not in kafkajs, keeps round-robin state per sink across
 * batches.
 */
export class KafkaOutput {
  readonly #spec: KafkaSpec;
  readonly #partitionOf: (hash: number, partitionCount: number) => number;
  readonly #maxBatchBytes: number;
  #roundRobin = 0;

  /** `maxBatchBytes`: SLUICE_SINK_MAX_BATCH_BYTES, the most of one partition per produce request. */
  constructor(spec: KafkaSpec, maxBatchBytes = DEFAULT_SINK_MAX_BATCH_BYTES) {
    this.#spec = spec;
    this.#partitionOf = hashedPartitions(spec.partitioner);
    this.#maxBatchBytes = maxBatchBytes;
  }

  /**
   * Where the main thread's record batches of `count` values go: the topic's partitions, and
   * round-robin going on from the last batch's.
   */
  layout(partitions: number, count: number): KafkaLayout {
    const start = this.#roundRobin;
    this.#roundRobin = (start + count) % partitions;
    return { partitions, maxBatchBytes: this.#maxBatchBytes, start };
  }

  messages(encoded: EncodedOutput, partitionCount: number): Message[] {
    const messages: Message[] = [];
    for (const part of encoded.parts) {
      visitKafkaRecords(part, (hash, key, value) => {
        messages.push({
          key: key && bufferOf(key),
          value: value && bufferOf(value),
          partition: this.#partitionOf(hash, partitionCount),
        });
      });
    }
    return messages;
  }

  /** Sends the records in as many produce requests as `requests` cuts them into, one after another. */
  async write(producer: RecordWriter, encoded: EncodedOutput, partitionCount: number): Promise<void> {
    if (encoded.count === 0) return;
    const compression = compressionType(this.#spec.compression);
    for (const messages of requests(this.messages(encoded, partitionCount), this.#maxBatchBytes)) {
      await producer.send({ topic: this.#spec.topic, compression, messages });
    }
  }
}

/** A request's share of the batch header (61 bytes), rounded up. */
const BATCH_OVERHEAD = 64;
const PARTITIONS_PER_REQUEST = 16;
/**
 * kafkajs groups a send's messages by partition copying the partition's list for every message
 * (`groupMessagesPerPartition`): quadratic in the records per partition. At 8,000 records of a
 * partition per request that took 3.7 of the main thread's 8 busy seconds for 800,000 records;
 * 500 makes it a sixteenth, for a few more round trips (a run took 7.5 s instead of 12).
 */
const RECORDS_PER_PARTITION = 500;

/**
 * Cuts messages (each with its partition) into produce requests in which each partition's records
 * take at most `maxBatchBytes` — kafkajs writes one record batch per partition per request, and
 * a broker refuses a batch over its `message.max.bytes` — and are at most 500, and all of them
 * take at most 16 times `maxBatchBytes`.
 * A partition's records keep their order: each goes in the same request as the one before it, or
 * a later one. A record alone over the limit gets a request of its own partition's.
 */
export function requests(messages: readonly Message[], maxBatchBytes: number): Message[][] {
  const budget = Math.max(1, maxBatchBytes - BATCH_OVERHEAD);
  const out: Message[][] = [];
  const totals: number[] = [];
  const at = new Map<number, { request: number; bytes: number; records: number }>();
  for (const message of messages) {
    const size = recordBytes(lengthOf(message.key), lengthOf(message.value));
    const partition = message.partition ?? -1;
    let place = at.get(partition) ?? { request: 0, bytes: 0, records: 0 };
    if ((place.bytes > 0 && place.bytes + size > budget) || place.records === RECORDS_PER_PARTITION)
      place = { request: place.request + 1, bytes: 0, records: 0 };
    while (
      (totals[place.request] ?? 0) > 0 &&
      (totals[place.request] ?? 0) + size > budget * PARTITIONS_PER_REQUEST
    )
      place = { request: place.request + 1, bytes: 0, records: 0 };
    at.set(partition, { request: place.request, bytes: place.bytes + size, records: place.records + 1 });
    totals[place.request] = (totals[place.request] ?? 0) + size;
    let request = out[place.request];
    if (!request) {
      request = [];
      out[place.request] = request;
    }
    request.push(message);
  }
  return out.filter((request) => request !== undefined);
}

/** Bytes of a key or value as kafkajs writes it; -1 for none. */
function lengthOf(data: Message['key']): number {
  if (data === null || data === undefined) return -1;
  return typeof data === 'string' ? Buffer.byteLength(data) : data.length;
}

/** A Buffer over the same bytes: kafkajs takes Buffers, and copies them into its batch. */
function bufferOf(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
