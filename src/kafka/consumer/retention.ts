/** Available-now past records that retention deleted before they were read: they never arrive. */
import type { Admin } from 'kafkajs';
import type { Logger } from '../../core/index.ts';
import { type KafkaRetryOptions, retryingKafka } from '../retry.ts';
import type { FetchBuffers } from './fetch-buffer.ts';

const RETENTION_CHECK_MS = 1000;

export type RetentionSkipsOptions = {
  readonly admin: Admin;
  readonly retry: KafkaRetryOptions;
  readonly log: Logger;
  readonly buffers: FetchBuffers;
};

/**
 * Records that retention deleted before they were read can never arrive: kafkajs jumps to the
 * log start, so an available-now run would wait forever for the gap. Moves past it, and says so.
 */
export class RetentionSkips {
  readonly #options: RetentionSkipsOptions;
  #lastCheck = Date.now();

  constructor(options: RetentionSkipsOptions) {
    this.#options = options;
  }

  /** At most every RETENTION_CHECK_MS, moves partitions waiting before their log start to it. */
  async skipIfDue(): Promise<void> {
    if (Date.now() - this.#lastCheck >= RETENTION_CHECK_MS) await this.#skipDeleted();
  }

  async #skipDeleted(): Promise<void> {
    const { admin, retry, log, buffers } = this.#options;
    this.#lastCheck = Date.now();
    const waiting = buffers.all().filter((buffer) => {
      const target = buffer.end;
      return target !== undefined && (buffer.position ?? 0n) < target && buffer.messages.length === 0;
    });
    for (const topic of new Set(waiting.map((buffer) => buffer.topic))) {
      const offsets = await retryingKafka(
        `reading the offsets of topic ${topic}`,
        () => admin.fetchTopicOffsets(topic),
        retry,
      );
      for (const buffer of waiting.filter((item) => item.topic === topic)) {
        const low = BigInt(offsets.find((o) => o.partition === buffer.partition)?.low ?? '0');
        if (buffer.position !== undefined && buffer.position < low) {
          log.warn(
            { topic, partition: buffer.partition, from: buffer.position.toString(), to: low.toString() },
            'records deleted by retention before they were read; skipping to the log start',
          );
          buffer.position = low;
        }
      }
    }
  }
}
