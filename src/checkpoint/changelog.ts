// Checkpoints in a compacted Kafka topic, so any instance given a partition can restore its state.

import type { Admin, Kafka, Producer, ProducerRecord } from 'kafkajs';
import { partitionName } from '../core/index.ts';
import { ErrorCode, isSluiceError, SluiceError } from '../errors/index.ts';

/** Checkpoints can be large: allow 64 MiB records on the changelog topic. */
const MAX_RECORD_BYTES = 64 * 1024 * 1024;

export type ChangelogOptions = {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly producer: Producer;
  /** `<group>-checkpoints`. */
  readonly topic: string;
  /**
   * Runs a write again while the brokers are away, within SLUICE_KAFKA_RETRY_TIMEOUT_MS. Never
   * for a transactional write: a failed transaction is gone, the run goes back to a checkpoint.
   */
  readonly retry?: <T>(what: string, call: () => Promise<T>) => Promise<T>;
};

/**
 * A partition's checkpoints in the changelog: the last, and the one written before it (compaction
 * removes it in time; it is there for the saves of a while back, which a restore may need when an
 * instance died in the middle of its last save).
 */
export type ChangelogEntry = { readonly last: Uint8Array; readonly before?: Uint8Array };

/** The changelog key of a partition's checkpoint. */
export const changelogKey = partitionName;

/**
 * Checkpoints in a compacted Kafka topic, keyed by input partition: whichever instance the group
 * gives a partition to finds its last checkpoint there, not only on the machine that wrote it.
 */
export class CheckpointChangelog {
  readonly topic: string;
  readonly #options: ChangelogOptions;
  #ready: Promise<void> | undefined;

  constructor(options: ChangelogOptions) {
    this.#options = options;
    this.topic = options.topic;
  }

  /**
   * Creates the compacted topic when it does not exist. A broker that does not know the new topic's
   * leader yet (UNKNOWN_TOPIC_OR_PARTITION, under load) is asked again within the retry budget.
   */
  ensureTopic(): Promise<void> {
    const create = () =>
      this.#options.admin.createTopics({
        waitForLeaders: true,
        topics: [
          {
            topic: this.topic,
            numPartitions: 1,
            configEntries: [
              { name: 'cleanup.policy', value: 'compact' },
              { name: 'max.message.bytes', value: String(MAX_RECORD_BYTES) },
            ],
          },
        ],
      });
    const retry = this.#options.retry;
    this.#ready ??= (
      retry ? retry(`creating the checkpoint changelog topic ${this.topic}`, create) : create()
    )
      .then(() => undefined)
      .catch((error: unknown) => {
        this.#ready = undefined;
        throw new SluiceError(
          ErrorCode.checkpoint,
          `cannot create the checkpoint changelog topic ${this.topic}: ${reason(error)}`,
          { cause: error },
        );
      });
    return this.#ready;
  }

  /** Writes through the producer, or `via` (an exactly-once run's open transaction). */
  async write(
    key: string,
    bytes: Uint8Array,
    via: { send(record: ProducerRecord): Promise<unknown> } = this.#options.producer,
  ): Promise<void> {
    await this.ensureTopic();
    const send = () =>
      via.send({
        topic: this.topic,
        acks: -1,
        messages: [{ key, value: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) }],
      });
    const { retry, producer } = this.#options;
    try {
      await (retry && via === producer ? retry(`writing checkpoint ${key} to ${this.topic}`, send) : send());
    } catch (error) {
      if (isSluiceError(error, ErrorCode.kafkaUnavailable)) throw error;
      throw new SluiceError(
        ErrorCode.checkpoint,
        `cannot write checkpoint ${key} to the changelog topic ${this.topic}: ${reason(error)}`,
        { cause: error },
      );
    }
  }

  /**
   * The last checkpoint per key, and the one before it while the topic still holds it, read from
   * the start of the topic to its end.
   */
  async latest(): Promise<Map<string, ChangelogEntry>> {
    await this.ensureTopic();
    const { admin, kafka } = this.#options;
    const [offsets] = await admin.fetchTopicOffsets(this.topic);
    const end = BigInt(offsets?.high ?? '0');
    const latest = new Map<string, ChangelogEntry>();
    if (end === 0n) return latest;
    const consumer = kafka.consumer({ groupId: `${this.topic}-reader-${process.pid}-${Date.now()}` });
    try {
      await consumer.connect();
      await consumer.subscribe({ topic: this.topic, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        // Under exactly-once the log ends with transaction markers, which no message carries: the
        // end is reached when a batch's last offset (markers and aborted records included) is.
        // A batch of nothing but those never reaches eachBatch, only this event.
        consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
          if (BigInt(payload.lastOffset) + 1n >= end) resolve();
        });
        consumer
          .run({
            autoCommit: false,
            eachBatch: async ({ batch }) => {
              for (const message of batch.messages) {
                const key = message.key?.toString();
                if (key === undefined) continue;
                const earlier = latest.get(key);
                if (message.value) {
                  const last = new Uint8Array(message.value);
                  latest.set(key, earlier ? { last, before: earlier.last } : { last });
                } else latest.delete(key);
              }
              if (BigInt(batch.lastOffset()) + 1n >= end) resolve();
            },
          })
          .catch(reject);
      });
    } catch (error) {
      throw new SluiceError(
        ErrorCode.checkpoint,
        `cannot read the checkpoint changelog topic ${this.topic}: ${reason(error)}`,
        { cause: error },
      );
    } finally {
      await consumer.disconnect();
    }
    return latest;
  }
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
