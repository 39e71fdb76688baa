// Writes a batch's outputs on the main thread in graph order, retrying a failed output on its own.

import type { Admin, Producer } from 'kafkajs';
import type { OutputBatch, OutputProfile } from '../coordinator/index.ts';
import { type BatchInfo, type RetryOptions, retry } from '../core/index.ts';
import type { PostgresSinkSpec } from '../dsl/index.ts';
import { ErrorCode, isSluiceError, SluiceError } from '../errors/index.ts';
import { kafkaErrorType } from '../kafka/index.ts';
import { encodeOutput, type KafkaBatch } from '../task/index.ts';
import type { PostgresNode } from './postgres-outputs.ts';
import { writeBatchBytes } from './sink-file.ts';
import { KafkaOutput, type RecordWriter } from './sink-kafka.ts';
import { PostgresOutput } from './sink-postgres.ts';
import { formatPrint } from './sink-print.ts';

export type OutputContext = {
  /** Where print() writes; stdout by default. */
  readonly write?: (text: string) => void | Promise<void>;
  /** Needed only by jobs with a Kafka output. */
  readonly kafka?: {
    readonly producer: Producer;
    readonly admin: Admin;
    /**
     * Produces the record batches the slots write (at-least-once); without it (exactly-once:
     * `transaction`) the slots encode records for the producer.
     */
    readonly raw?:
      | { send(topic: string, batches: readonly KafkaBatch[]): Promise<void>; disconnect(): Promise<void> }
      | undefined;
  };
  /** SLUICE_SINK_MAX_BATCH_BYTES: the most of one partition per produce request of a Kafka output. */
  readonly kafkaMaxBatchBytes?: number;
  /**
   * Exactly-once: Kafka outputs go into the run's open transaction instead, which commits with the
   * input offsets. A failed transactional write is not retried: the transaction is gone.
   */
  readonly transaction?: RecordWriter;
  /**
   * A failed output is retried with exponential backoff until it succeeds or `timeoutMs` has
   * passed since its first failure (then the batch fails); absent or 0: no retry.
   */
  readonly retry?: {
    readonly timeoutMs: number;
    readonly firstDelayMs?: number;
    readonly maxDelayMs?: number;
  };
  /**
   * For `toPostgres` outputs: the connection of those that name none (SLUICE_SINK's), the
   * guarantee, and the group that names the rows of the offsets table.
   */
  readonly postgres?: {
    readonly url: string | undefined;
    readonly guarantee: 'at-least-once' | 'exactly-once';
    readonly groupId: string;
    /** The job's PostgreSQL outputs: under exactly-once each runs every batch, to move its offsets. */
    readonly nodes?: readonly PostgresNode[];
  };
  readonly log?: {
    debug?(object: object, message: string): void;
    info?(object: object, message: string): void;
    warn(object: object, message: string): void;
  };
  readonly now?: () => number;
  /**
   * The continuous trigger: print() and saveAsTextFiles() write nothing for a batch without values
   * (its ticks move time on; a header or an empty file per tick would only be noise).
   */
  readonly skipEmpty?: boolean;
};

const FIRST_DELAY_MS = 100;
const EMPTY_SKIPPED = new Set<OutputBatch['sink']['type']>(['print', 'saveAsTextFiles']);
const MAX_DELAY_MS = 10_000;

/**
 * Runs a batch's outputs on the main thread, in graph order. A failed output is retried on its
 * own (those before it are not written again) while the engine waits, and the source, holding two
 * batches at most, pauses its partitions. One that keeps failing stops the batch with an error
 * naming it: the engine then commits nothing, so the batch is replayed.
 */
export class Outputs {
  readonly #context: OutputContext;
  readonly #kafka = new Map<number, KafkaOutput>();
  readonly #partitionCounts = new Map<string, number>();
  readonly #postgres = new Map<number, PostgresOutput>();
  readonly #interrupted = new AbortController();

  constructor(context: OutputContext = {}) {
    this.#context = context;
  }

  /** Stops waiting to retry: the engine is stopping. */
  interrupt(): void {
    this.#interrupted.abort();
  }

  /** Writes each output in turn; what each write took (values, ms, attempts), in that order. */
  async write(outputs: readonly OutputBatch[], info: BatchInfo): Promise<OutputProfile[]> {
    const profiles: OutputProfile[] = [];
    for (const output of outputs) {
      const count = output.encoded?.count ?? output.values.length;
      if (this.#context.skipEmpty && count === 0 && EMPTY_SKIPPED.has(output.sink.type)) continue;
      profiles.push(await this.#timed(output, info, count));
    }
    // Downstream of a window there is no output batch until one fires; the offsets move anyway.
    const { postgres } = this.#context;
    if (postgres?.guarantee !== 'exactly-once' || info.offsetRanges.length === 0) return profiles;
    const written = new Set(outputs.map((output) => output.node));
    for (const { node, sink } of postgres.nodes ?? []) {
      if (!written.has(node)) profiles.push(await this.#timed({ node, sink, values: [] }, info, 0));
    }
    return profiles;
  }

  async #timed(output: OutputBatch, info: BatchInfo, records: number): Promise<OutputProfile> {
    const began = performance.now();
    const attempts = await this.#retrying(output, info);
    return { node: output.node, sink: output.sink.type, records, ms: performance.now() - began, attempts };
  }

  /** Writes one output, retrying it on its own; resolves with the attempts it took. */
  async #retrying(output: OutputBatch, info: BatchInfo): Promise<number> {
    const transactional = this.#context.transaction !== undefined && output.sink.type === 'kafka';
    let attempts = 1;
    await retry(
      async () => {
        try {
          await this.#one(output, info);
        } catch (error) {
          throw asSinkError(error, output, info);
        }
      },
      {
        ...this.#retryOptions(transactional ? 0 : (this.#context.retry?.timeoutMs ?? 0)),
        retryable: (failure) => !isSluiceError(failure, ErrorCode.sinkRejected),
        onRetry: (failure, { attempt, delayMs }) => {
          attempts = attempt + 1;
          this.#context.log?.warn(
            {
              output: output.node,
              batchId: info.batchId,
              attempt,
              retryInMs: delayMs,
              error: messageOf(failure),
            },
            'output failed; retrying',
          );
        },
      },
    );
    return attempts;
  }

  async #one(output: OutputBatch, info: BatchInfo): Promise<void> {
    const { sink, values } = output;
    switch (sink.type) {
      case 'print': {
        const text = formatPrint(values, info, sink.count);
        if (this.#context.write) await this.#context.write(text);
        else process.stdout.write(text);
        return;
      }
      case 'foreachBatch':
        await sink.fn(values, info);
        return;
      case 'saveAsTextFiles':
        await writeBatchBytes(sink.dir, (output.encoded ?? encodeOutput(sink, values)).parts, info);
        return;
      case 'postgres':
        await this.#postgresOutput(output.node, sink).write(values, info);
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
          writer = new KafkaOutput(sink, this.#context.kafkaMaxBatchBytes);
          this.#kafka.set(output.node, writer);
        }
        const count = await this.#partitionCount(kafka.admin, sink.topic);
        const raw = this.#context.transaction ? undefined : kafka.raw;
        const encoded =
          output.encoded ?? encodeOutput(sink, values, raw && writer.layout(count, values.length));
        if (encoded.batches && encoded.batches.length > 0) {
          if (!raw) {
            throw new SluiceError(
              ErrorCode.sink,
              `output ${output.node} has record batches and nothing to produce them (exactly-once takes records)`,
            );
          }
          await raw.send(sink.topic, encoded.batches);
        }
        // Parts: a slot without the topic's partitions (it could not be described at the batch's start).
        if (encoded.parts.length > 0)
          await writer.write(this.#context.transaction ?? kafka.producer, encoded, count);
        return;
      }
    }
  }

  /** A `toPostgres` output's writer, made on first use. */
  #postgresOutput(node: number, spec: PostgresSinkSpec): PostgresOutput {
    let writer = this.#postgres.get(node);
    if (writer) return writer;
    const { postgres, log } = this.#context;
    const url = spec.connection ?? postgres?.url;
    if (url === undefined) {
      throw new SluiceError(
        ErrorCode.configInvalid,
        `output ${node} writes to PostgreSQL table ${spec.table.name} but has no connection: pass toPostgres({ connection }) or set SLUICE_SINK=postgres://user@host:port/db?table=…`,
      );
    }
    writer = new PostgresOutput({
      spec,
      url,
      guarantee: postgres?.guarantee ?? 'at-least-once',
      groupId: postgres?.groupId ?? 'sluice',
      ...(log ? { log } : {}),
    });
    this.#postgres.set(node, writer);
    return writer;
  }

  /**
   * Where the PostgreSQL output `node` says each partition's next batch starts: the end it stored
   * (exactly-once), or undefined where it stored none.
   */
  storedOffsets(
    node: number,
    spec: PostgresSinkSpec,
    partitions: readonly { readonly topic: string; readonly partition: number }[],
  ): Promise<(bigint | undefined)[]> {
    const writer = this.#postgresOutput(node, spec);
    return this.#retryingCall(`output ${node} (toPostgres ${spec.table.name})`, () =>
      writer.storedOffsets(partitions),
    );
  }

  /** Like an output's retries, for a call outside a batch. */
  #retryingCall<T>(what: string, call: () => Promise<T>): Promise<T> {
    return retry(call, {
      ...this.#retryOptions(this.#context.retry?.timeoutMs ?? 0),
      onRetry: (error, { attempt, delayMs }) =>
        this.#context.log?.warn(
          { output: what, attempt, retryInMs: delayMs, error: messageOf(error) },
          'output failed; retrying',
        ),
    });
  }

  #retryOptions(budgetMs: number): RetryOptions {
    const { retry: settings, now } = this.#context;
    return {
      budgetMs,
      firstDelayMs: settings?.firstDelayMs ?? FIRST_DELAY_MS,
      maxDelayMs: settings?.maxDelayMs ?? MAX_DELAY_MS,
      signal: this.#interrupted.signal,
      ...(now ? { now } : {}),
    };
  }

  /**
   * The partition count of a toKafka output's topic when the slots may write its record batches:
   * a raw producer is there (not under exactly-once) and the topic can be described now.
   */
  async slotPartitions(topic: string): Promise<number | undefined> {
    const kafka = this.#context.kafka;
    if (!kafka?.raw || this.#context.transaction) return undefined;
    try {
      return await this.#partitionCount(kafka.admin, topic);
    } catch {
      // The write says why, and retries: the output's own error path.
      return undefined;
    }
  }

  /** Closes the connections outputs opened (PostgreSQL pools, the raw producer's). */
  async close(): Promise<void> {
    await this.#context.kafka?.raw?.disconnect();
    await Promise.all([...this.#postgres.values()].map((writer) => writer.close()));
    this.#postgres.clear();
  }

  async #partitionCount(admin: Admin, topic: string): Promise<number> {
    const known = this.#partitionCounts.get(topic);
    if (known) return known;
    let count = 0;
    try {
      const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
      count = metadata.topics[0]?.partitions.length ?? 0;
    } catch (error) {
      const why =
        kafkaErrorType(error) === 'UNKNOWN_TOPIC_OR_PARTITION' ? missingTopic(topic) : messageOf(error);
      throw new SluiceError(ErrorCode.sink, `output topic ${topic} cannot be described: ${why}`, {
        cause: error,
      });
    }
    if (count === 0) throw new SluiceError(ErrorCode.sink, `output topic ${topic} has no partitions`);
    this.#partitionCounts.set(topic, count);
    return count;
  }
}

function asSinkError(error: unknown, output: OutputBatch, info: BatchInfo): SluiceError {
  if (error instanceof SluiceError) return error;
  const { sink } = output;
  if (sink.type === 'kafka' && kafkaErrorType(error) === 'UNKNOWN_TOPIC_OR_PARTITION') {
    return new SluiceError(
      ErrorCode.sink,
      `output ${output.node} (toKafka ${sink.topic}) failed for batch ${info.batchId}: ${missingTopic(sink.topic)}`,
      { cause: error },
    );
  }
  return new SluiceError(
    ErrorCode.sink,
    `output ${output.node} (${describe(output)}) failed for batch ${info.batchId}: ${messageOf(error)}`,
    { cause: error },
  );
}

/** What to do about an output topic the brokers neither have nor created. */
function missingTopic(topic: string): string {
  return `the topic ${topic} does not exist (or the brokers are still creating it); create it first: npx sluice topics create ${topic} --partitions N`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function describe(output: OutputBatch): string {
  const { sink } = output;
  if (sink.type === 'saveAsTextFiles') return `saveAsTextFiles ${sink.dir}`;
  if (sink.type === 'kafka') return `toKafka ${sink.topic}`;
  if (sink.type === 'postgres') return `toPostgres ${sink.table.name}`;
  return sink.type;
}
