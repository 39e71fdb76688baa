// The dead-letter writer: records that failed to decode go to SLUICE_DLQ_TOPIC, or the run stops.

import type { Admin, Producer } from 'kafkajs';
import { ErrorCode, isSluiceError, type SluiceError } from '../errors/index.ts';
import type { DecodeFailure } from '../task/index.ts';
import {
  DEFAULT_MAX_MESSAGE_BYTES,
  type DeadLetter,
  deadLetterError,
  planDeadLetters,
} from './dead-letter-plan.ts';
import { type KafkaRetryOptions, kafkaErrorType, retryingKafka } from './retry.ts';
import { readMaxMessageBytes } from './topic-limits.ts';

export type DeadLetterWriterOptions = {
  readonly admin: Admin;
  readonly producer: Producer;
  /** SLUICE_DLQ_TOPIC. */
  readonly topic: string;
  /** How long brokers that are away are waited for (SLUICE_KAFKA_RETRY_TIMEOUT_MS). */
  readonly retry: KafkaRetryOptions;
  readonly log: { info(object: object, message: string): void; warn(object: object, message: string): void };
};

/**
 * Refusals no retry cures, as the reason in SLUICE_DLQ; kafkajs counts UNKNOWN_TOPIC_OR_PARTITION
 * retriable and has retried it by the time it fails.
 */
const REFUSALS: Readonly<Record<string, string>> = {
  UNKNOWN_TOPIC_OR_PARTITION:
    'the topic does not exist and the brokers did not create it (UNKNOWN_TOPIC_OR_PARTITION: auto.create.topics.enable=false, or a name that collides with an existing topic\'s once "." and "_" are taken alike); create it with `sluice topics create`',
  TOPIC_AUTHORIZATION_FAILED:
    'this client is not authorised to write to it (TOPIC_AUTHORIZATION_FAILED); grant its principal WRITE on the topic',
  CLUSTER_AUTHORIZATION_FAILED:
    'this client is not authorised to write to it (CLUSTER_AUTHORIZATION_FAILED); grant its principal WRITE on the topic',
  INVALID_TOPIC_EXCEPTION:
    'the brokers do not take writes to it (INVALID_TOPIC_EXCEPTION: an internal topic, or a name they refuse)',
  MESSAGE_TOO_LARGE: 'the brokers refused a batch as too large (MESSAGE_TOO_LARGE)',
  RECORD_LIST_TOO_LARGE: 'the brokers refused a batch as too large (RECORD_LIST_TOO_LARGE)',
};

/** A refusal in REFUSALS, carried past retryingKafka (it retries what kafkajs calls retriable). */
class Refused extends Error {
  readonly type: string;
  readonly original: unknown;
  constructor(type: string, original: unknown) {
    super(type);
    this.type = type;
    this.original = original;
  }
}

/**
 * Writes undecodable and late records to the dead-letter topic, with their origin in headers, in
 * produce requests sized to the topic's `max.message.bytes` (read by `start`). A record too large
 * for it alone goes with its value (then key) cut, headers saying so. Anything that keeps the
 * letters out is one `SLUICE_DLQ` error naming the topic and the cause: the batch cannot be
 * committed without losing its bad records.
 */
export class DeadLetterWriter {
  readonly #options: DeadLetterWriterOptions;
  #limit = DEFAULT_MAX_MESSAGE_BYTES;

  constructor(options: DeadLetterWriterOptions) {
    this.#options = options;
  }

  async start(): Promise<void> {
    this.#limit = await this.#readLimit();
  }

  async write(failures: readonly DecodeFailure[]): Promise<void> {
    const { topic } = this.#options;
    let rest = failures;
    let reread = false;
    while (rest.length > 0) {
      let sent = 0;
      try {
        for (const letters of planDeadLetters(topic, rest, this.#limit)) {
          await this.#send(letters);
          sent += letters.length;
        }
        return;
      } catch (error) {
        if (isSluiceError(error, ErrorCode.deadLetter)) throw error;
        if (!(error instanceof Refused)) throw this.#unwritable(error);
        const type = error.type;
        if (type !== 'MESSAGE_TOO_LARGE' && type !== 'RECORD_LIST_TOO_LARGE') throw this.#unwritable(error);
        // The topic's limit changed since start, or was unknown then (created by the first write).
        const limit = reread ? this.#limit : await this.#readLimit();
        if (limit >= this.#limit) throw this.#unwritable(error);
        reread = true;
        this.#limit = limit;
        rest = rest.slice(sent);
      }
    }
  }

  async #send(letters: readonly DeadLetter[]): Promise<void> {
    const { producer, topic, retry } = this.#options;
    const send = () =>
      producer.send({ topic, messages: [...letters] }).catch((error: unknown) => {
        const type = kafkaErrorType(error);
        throw type !== undefined && type in REFUSALS ? new Refused(type, error) : error;
      });
    await retryingKafka('writing dead letters', send, retry);
  }

  #unwritable(error: unknown): SluiceError {
    const { topic } = this.#options;
    if (error instanceof Refused) {
      const limit = error.type.endsWith('TOO_LARGE')
        ? ` although it fit the topic's max.message.bytes=${this.#limit}`
        : '';
      return deadLetterError(topic, `${REFUSALS[error.type]}${limit}`, error.original);
    }
    const type = kafkaErrorType(error);
    const reason = error instanceof Error ? error.message : String(error);
    return deadLetterError(topic, type === undefined ? reason : `${reason} (${type})`, error);
  }

  /** The topic's `max.message.bytes`, or the brokers' default when it cannot be read. */
  async #readLimit(): Promise<number> {
    const { admin, topic, log } = this.#options;
    try {
      // Asking for a missing topic's config makes kafkajs log its error response.
      if (!(await admin.listTopics()).includes(topic)) {
        log.info(
          { topic, assumed: DEFAULT_MAX_MESSAGE_BYTES },
          "the dead-letter topic does not exist yet: assuming the brokers' default max.message.bytes",
        );
        return DEFAULT_MAX_MESSAGE_BYTES;
      }
      return await readMaxMessageBytes(admin, topic);
    } catch (error) {
      log.warn(
        {
          topic,
          assumed: DEFAULT_MAX_MESSAGE_BYTES,
          reason: error instanceof Error ? error.message : String(error),
        },
        "cannot read the dead-letter topic's max.message.bytes; assuming the brokers' default",
      );
      return DEFAULT_MAX_MESSAGE_BYTES;
    }
  }
}
