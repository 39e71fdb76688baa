// Exactly-once: a Kafka transaction per batch holding its outputs and its input offsets.

import type { Kafka, Producer, ProducerRecord, Transaction } from 'kafkajs';
import { partitionId, partitionName, retry } from '../core/index.ts';
import { ErrorCode, SluiceError } from '../errors/index.ts';
import { kafkaErrorType } from './retry.ts';

/** A partition at a batch boundary: the next offset to read. */
export type TransactionOffset = {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
};

export type TransactionLog = {
  debug?(object: object, message: string): void;
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
};

export type TransactionsOptions = {
  readonly kafka: Kafka;
  readonly groupId: string;
  /** Longer than the checkpoint interval: a transaction stays open from one checkpoint to the next. */
  readonly timeoutMs: number;
  readonly log: TransactionLog;
  /** How long a request refused with CONCURRENT_TRANSACTIONS is made again (default 30 s). */
  readonly concurrentRetryMs?: number;
};

type Lead = { readonly id: string; readonly producer: Producer };

/** Errors after which nobody knows whether the broker applied the request. */
const INDEFINITE = new Set(['KafkaJSRequestTimeoutError', 'KafkaJSTimeout', 'KafkaJSConnectionClosedError']);

const CONCURRENT_RETRY_MS = 30_000;
const CONCURRENT_FIRST_DELAY_MS = 10;
const CONCURRENT_MAX_DELAY_MS = 500;

/** The coordinator refused a request because the id's previous transaction is still ending. */
function isConcurrent(error: unknown): boolean {
  return kafkaErrorType(error) === 'CONCURRENT_TRANSACTIONS';
}

/** The broker's default transaction.max.timeout.ms: it refuses longer transactions. */
export const MAX_TRANSACTION_TIMEOUT_MS = 900_000;

/**
 * The transaction timeout for a run: a transaction stays open from one checkpoint to the next
 * (or for one batch without checkpoints), and a batch inside it can wait for a failing output
 * for up to SLUICE_SINK_RETRY_TIMEOUT_MS; the broker aborts a transaction open longer, and its
 * commit then fails as if fenced. `capped`: the broker's maximum is shorter than that.
 */
export function transactionTimeoutMs(config: {
  readonly checkpointIntervalMs: number;
  readonly sinkRetryTimeoutMs: number;
}): { readonly timeoutMs: number; readonly capped: boolean } {
  const needed = Math.max(
    60_000,
    3 * config.checkpointIntervalMs,
    // 30 s for the batches' own work around the stall.
    config.checkpointIntervalMs + config.sinkRetryTimeoutMs + 30_000,
  );
  return {
    timeoutMs: Math.min(MAX_TRANSACTION_TIMEOUT_MS, needed),
    capped: needed > MAX_TRANSACTION_TIMEOUT_MS,
  };
}

/**
 * Kafka transactions that carry a run's outputs, its checkpoints (changelog records) and its
 * input offsets together, so a read_committed consumer sees each result once.
 *
 * kafkajs cannot fence a zombie by consumer-group generation (KIP-447), so fencing rides on
 * transactional ids: one per input partition, `<group>-<topic>-<partition>`. Taking a partition
 * initialises its id, which aborts the open transaction of whoever had it before and fences their
 * producer. The outputs of a batch are merged across partitions, so one transaction carries the
 * whole batch: it runs on the id of the lowest partition owned when it began.
 */
export class KafkaTransactions {
  readonly #options: TransactionsOptions;
  #lead: Lead | undefined;
  #open: Transaction | undefined;
  /** Partitions whose id this process has initialised since it took them. */
  readonly #fenced = new Set<string>();
  #owned: readonly { readonly topic: string; readonly partition: number }[] = [];

  constructor(options: TransactionsOptions) {
    this.#options = options;
  }

  transactionalId(topic: string, partition: number): string {
    return `${this.#options.groupId}-${partitionName(topic, partition)}`;
  }

  /**
   * Before a newly assigned partition's state is restored: initialises its transactional id, so
   * the previous owner can no longer commit a transaction that restore would not see.
   */
  async fence(partitions: readonly { readonly topic: string; readonly partition: number }[]): Promise<void> {
    for (const { topic, partition } of partitions) {
      if (this.#fenced.has(partitionId(topic, partition))) continue;
      const id = this.transactionalId(topic, partition);
      if (this.#lead?.id === id) continue;
      const producer = this.#producer(id);
      try {
        await producer.connect();
        // kafkajs initialises a transactional id with its first transaction.
        const transaction = await this.#whileConcurrent(id, 'InitProducerId', () => producer.transaction());
        await transaction.abort();
      } catch (error) {
        throw this.#failure(`cannot initialise transactional id ${id}`, error);
      } finally {
        await producer.disconnect().catch(() => {});
      }
      this.#fenced.add(partitionId(topic, partition));
      this.#options.log.info({ transactionalId: id }, 'transactional id initialised: earlier owner fenced');
    }
  }

  /** The partitions owned now; a partition that left must be fenced again when it comes back. */
  own(partitions: readonly { readonly topic: string; readonly partition: number }[]): void {
    const now = new Set<string>(partitions.map(({ topic, partition }) => partitionId(topic, partition)));
    for (const id of this.#fenced) if (!now.has(id)) this.#fenced.delete(id);
    this.#owned = [...partitions].sort((a, b) =>
      a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1,
    );
  }

  /** The open transaction, begun on the lead partition's id when none is. */
  async current(): Promise<Transaction> {
    if (this.#open?.isActive()) return this.#open;
    const lead = await this.#leadProducer();
    try {
      this.#open = await this.#whileConcurrent(lead.id, 'InitProducerId', () => lead.producer.transaction());
    } catch (error) {
      throw await this.#recover(`cannot begin a transaction on ${lead.id}`, error);
    }
    return this.#open;
  }

  async send(record: ProducerRecord): Promise<void> {
    const transaction = await this.current();
    try {
      await transaction.send({ ...record, acks: -1 });
    } catch (error) {
      throw await this.#recover(`cannot write to topic ${record.topic} in a transaction`, error);
    }
  }

  /** Adds the offsets and commits what the open transaction holds (begins one for offsets alone). */
  async commit(offsets: readonly TransactionOffset[]): Promise<void> {
    if (!this.#open?.isActive() && offsets.length === 0) return;
    const transaction = await this.current();
    const id = this.#lead?.id ?? '';
    try {
      if (offsets.length > 0) {
        const topics = byTopic(offsets);
        await this.#whileConcurrent(id, 'AddOffsetsToTxn', () =>
          transaction.sendOffsets({ consumerGroupId: this.#options.groupId, topics }),
        );
      }
      // EndTxn follows an accepted AddOffsetsToTxn or AddPartitionsToTxn: the previous
      // transaction has ended by then. (kafkajs could not make it again anyway: a refused
      // commit leaves its transaction ended.)
      await transaction.commit();
      this.#open = undefined;
    } catch (error) {
      throw await this.#recover('cannot commit the transaction', error);
    }
  }

  /** Aborts the open transaction, if any: on shutdown after a failure. */
  async abort(): Promise<void> {
    const open = this.#open;
    this.#open = undefined;
    if (open?.isActive()) await open.abort().catch(() => {});
  }

  async close(): Promise<void> {
    await this.abort();
    const lead = this.#lead;
    this.#lead = undefined;
    await lead?.producer.disconnect().catch(() => {});
  }

  /**
   * Makes `call` again while the coordinator refuses it with CONCURRENT_TRANSACTIONS. After EndTxn
   * answers, the coordinator still writes the transaction's markers; until they are written it
   * refuses the id's next AddOffsetsToTxn (measured: 16 of 40 back-to-back transactions, cleared
   * after 7–26 ms), as InitProducerId while it aborts an earlier owner's transaction. The Java
   * producer retries these; kafkajs retries AddPartitionsToTxn with its sends, InitProducerId a
   * few times, AddOffsetsToTxn not at all. A refused request changed nothing: making it again is safe.
   */
  #whileConcurrent<T>(id: string, request: string, call: () => Promise<T>): Promise<T> {
    return retry(
      async ({ attempt, startedAt }) => {
        const result = await call();
        if (attempt > 1) {
          this.#options.log.debug?.(
            { transactionalId: id, request, attempts: attempt, waitedMs: Date.now() - startedAt },
            'transaction request made again: the coordinator was ending the previous transaction',
          );
        }
        return result;
      },
      {
        budgetMs: this.#options.concurrentRetryMs ?? CONCURRENT_RETRY_MS,
        firstDelayMs: CONCURRENT_FIRST_DELAY_MS,
        maxDelayMs: CONCURRENT_MAX_DELAY_MS,
        retryable: isConcurrent,
        giveUp: (error, { attempt, elapsedMs }) =>
          new SluiceError(
            ErrorCode.transaction,
            `${request} on transactional id ${id} still refused with CONCURRENT_TRANSACTIONS after ${elapsedMs} ms (${attempt} attempts): the transaction coordinator has not finished the previous transaction`,
            { cause: error },
          ),
      },
    );
  }

  async #leadProducer(): Promise<Lead> {
    const first = this.#owned[0];
    if (!first) {
      throw new SluiceError(
        ErrorCode.transaction,
        'no partition is owned: a transaction has no id to run on',
      );
    }
    const id = this.transactionalId(first.topic, first.partition);
    if (this.#lead?.id === id) return this.#lead;
    await this.#lead?.producer.disconnect().catch(() => {});
    this.#lead = undefined;
    const producer = this.#producer(id);
    try {
      await producer.connect();
    } catch (error) {
      throw this.#failure(`cannot connect the transactional producer ${id}`, error);
    }
    this.#lead = { id, producer };
    this.#fenced.add(partitionId(first.topic, first.partition));
    return this.#lead;
  }

  #producer(id: string): Producer {
    return this.#options.kafka.producer({
      transactionalId: id,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: this.#options.timeoutMs,
    });
  }

  /**
   * A failed transaction is aborted, never retried blindly: after an indefinite error the
   * producer is re-created, since initialising its id again is the only sure way to end a
   * transaction whose state the broker may hold. Either way the caller stops; the restart
   * replays from the last checkpoint.
   */
  async #recover(what: string, error: unknown): Promise<SluiceError> {
    const open = this.#open;
    this.#open = undefined;
    const indefinite = INDEFINITE.has((error as { name?: unknown }).name as string);
    if (open?.isActive() && !indefinite) await open.abort().catch(() => {});
    const lead = this.#lead;
    if (indefinite && lead) {
      this.#lead = undefined;
      await lead.producer.disconnect().catch(() => {});
      const fresh = this.#producer(lead.id);
      try {
        await fresh.connect();
        await (await fresh.transaction()).abort();
        this.#options.log.warn(
          { transactionalId: lead.id },
          'transactional producer re-created after an indefinite error',
        );
      } catch {
        // The broker aborts the transaction at its timeout anyway.
      } finally {
        await fresh.disconnect().catch(() => {});
      }
    }
    return this.#failure(what, error);
  }

  #failure(what: string, error: unknown): SluiceError {
    const reason = error instanceof Error ? error.message : String(error);
    const fenced =
      /fenc|epoch/i.test(reason) || (error as { type?: unknown }).type === 'INVALID_PRODUCER_EPOCH';
    return new SluiceError(
      ErrorCode.transaction,
      `${what}: ${reason}${fenced ? ` (another instance took the partition over: this one was fenced; or the transaction was open longer than its timeout, ${this.#options.timeoutMs} ms, and the broker aborted it)` : ''}; nothing of it is visible to read_committed consumers, and a restart goes on from the last checkpoint`,
      { cause: error },
    );
  }
}

function byTopic(offsets: readonly TransactionOffset[]) {
  const topics = new Map<string, { partition: number; offset: string }[]>();
  for (const { topic, partition, offset } of offsets) {
    const list = topics.get(topic) ?? [];
    list.push({ partition, offset: offset.toString() });
    topics.set(topic, list);
  }
  return [...topics].map(([topic, partitions]) => ({ topic, partitions }));
}
