// toKafka: a batch's values as Kafka messages, keys and partitions chosen by the sink's partitioner.

import type { Message, ProducerRecord } from 'kafkajs';

/** A producer, or the open transaction of an exactly-once run. */
export type RecordWriter = { send(record: ProducerRecord): Promise<unknown> };

import { compressionType } from '../codecs/index.ts';
import { keyText, toJson } from '../core/index.ts';
import type { SinkSpec } from '../dsl/index.ts';
import { createPartitioner, type Partitioner } from '../kafka/index.ts';

type KafkaSpec = Extract<SinkSpec, { type: 'kafka' }>;

function keyOf(spec: KafkaSpec, value: unknown): string | null {
  if (spec.key) {
    const key = spec.key(value);
    return key === null || key === undefined ? null : keyText(key);
  }
  if (Array.isArray(value) && value.length === 2)
    return typeof value[0] === 'string' ? value[0] : toJson(value[0]);
  return null;
}

/**
 * Turns a batch's values into Kafka messages with their partitions chosen by the sink's
 * partitioner. Choosing here, not in kafkajs, keeps round-robin state per sink across batches.
 */
export class KafkaOutput {
  readonly #spec: KafkaSpec;
  readonly #partitioner: Partitioner;

  constructor(spec: KafkaSpec) {
    this.#spec = spec;
    this.#partitioner = createPartitioner(spec.partitioner);
  }

  messages(values: readonly unknown[], partitionCount: number): Message[] {
    return values.map((value) => {
      const key = keyOf(this.#spec, value);
      const body = toJson(value);
      const partition = this.#partitioner(
        { key: key === null ? null : Buffer.from(key), value: Buffer.from(body) },
        partitionCount,
      );
      return { key, value: body, partition };
    });
  }

  async write(producer: RecordWriter, values: readonly unknown[], partitionCount: number): Promise<void> {
    if (values.length === 0) return;
    await producer.send({
      topic: this.#spec.topic,
      compression: compressionType(this.#spec.compression),
      messages: this.messages(values, partitionCount),
    });
  }
}
