import type { Admin, Producer } from 'kafkajs';
import { ErrorCode, SluiceError } from '../errors/index.ts';
import type { BatchInfo, OutputBatch } from '../stream/index.ts';
import { writeBatchFile } from './sink-file.ts';
import { KafkaOutput } from './sink-kafka.ts';
import { formatPrint } from './sink-print.ts';

export type OutputContext = {
  /** Where print() writes; stdout by default. */
  readonly write?: (text: string) => void;
  /** Needed only by jobs with a Kafka output. */
  readonly kafka?: { readonly producer: Producer; readonly admin: Admin };
};

/**
 * Runs a batch's outputs on the main thread, in graph order. An output that fails stops the
 * batch with an error naming it: the engine then commits nothing, so the batch is replayed.
 */
export class Outputs {
  readonly #context: OutputContext;
  readonly #kafka = new Map<number, KafkaOutput>();
  readonly #partitionCounts = new Map<string, number>();

  constructor(context: OutputContext = {}) {
    this.#context = context;
  }

  async write(outputs: readonly OutputBatch[], info: BatchInfo): Promise<void> {
    for (const output of outputs) {
      try {
        await this.#one(output, info);
      } catch (error) {
        if (error instanceof SluiceError) throw error;
        const reason = error instanceof Error ? error.message : String(error);
        throw new SluiceError(
          ErrorCode.sink,
          `output ${output.node} (${describe(output)}) failed for batch ${info.batchId}: ${reason}`,
          { cause: error },
        );
      }
    }
  }

  async #one(output: OutputBatch, info: BatchInfo): Promise<void> {
    const { sink, values } = output;
    switch (sink.type) {
      case 'print': {
        const text = formatPrint(values, info, sink.count);
        if (this.#context.write) this.#context.write(text);
        else process.stdout.write(text);
        return;
      }
      case 'foreachBatch':
        await sink.fn(values, info);
        return;
      case 'saveAsTextFiles':
        await writeBatchFile(sink.dir, values, info);
        return;
      case 'kafka': {
        const kafka = this.#context.kafka;
        if (!kafka) {
          throw new SluiceError(
            ErrorCode.sink,
            `output ${output.node} writes to Kafka topic ${sink.topic}, but no Kafka is configured (set SLUICE_BROKERS)`,
          );
        }
        let writer = this.#kafka.get(output.node);
        if (!writer) {
          writer = new KafkaOutput(sink);
          this.#kafka.set(output.node, writer);
        }
        await writer.write(kafka.producer, values, await this.#partitionCount(kafka.admin, sink.topic));
        return;
      }
    }
  }

  async #partitionCount(admin: Admin, topic: string): Promise<number> {
    const known = this.#partitionCounts.get(topic);
    if (known) return known;
    let count = 0;
    try {
      const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
      count = metadata.topics[0]?.partitions.length ?? 0;
    } catch (error) {
      throw new SluiceError(ErrorCode.sink, `output topic ${topic} cannot be described; does it exist?`, {
        cause: error,
      });
    }
    if (count === 0) throw new SluiceError(ErrorCode.sink, `output topic ${topic} has no partitions`);
    this.#partitionCounts.set(topic, count);
    return count;
  }
}

function describe(output: OutputBatch): string {
  const { sink } = output;
  if (sink.type === 'saveAsTextFiles') return `saveAsTextFiles ${sink.dir}`;
  if (sink.type === 'kafka') return `toKafka ${sink.topic}`;
  return sink.type;
}
