// toKafka: a batch's values as Kafka messages, keys and partitions chosen by the sink's partitioner.

import type { Message, ProducerRecord } from 'kafkajs';

/** A producer, or the open transaction of an exactly-once run. */
export type RecordWriter = { send(record: ProducerRecord): Promise<unknown> };

import { compressionType } from '../codecs/index.ts';
import type { SinkSpec } from '../dsl/index.ts';
import { hashedPartitions } from '../kafka/index.ts';
import { type EncodedOutput, visitKafkaRecords } from '../task/index.ts';

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

  constructor(spec: KafkaSpec) {
    this.#spec = spec;
    this.#partitionOf = hashedPartitions(spec.partitioner);
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

  async write(producer: RecordWriter, encoded: EncodedOutput, partitionCount: number): Promise<void> {
    if (encoded.count === 0) return;
    await producer.send({
      topic: this.#spec.topic,
      compression: compressionType(this.#spec.compression),
      messages: this.messages(encoded, partitionCount),
    });
  }
}

/** A Buffer over the same bytes: kafkajs takes Buffers, and copies them into its batch. */
function bufferOf(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
