import type { Kafka, Producer, ProducerConfig } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { KafkaTransactions, transactionTimeoutMs } from '../../src/kafka/index.ts';

/** What the coordinator answers kafkajs while the id's previous transaction is still ending. */
function concurrent(): Error {
  return Object.assign(
    new Error(
      'The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing',
    ),
    { name: 'KafkaJSProtocolError', type: 'CONCURRENT_TRANSACTIONS', code: 51, retriable: true },
  );
}

/** As kafkajs throws once its own InitProducerId retries are spent. */
function retriesExceeded(cause: Error): Error {
  return Object.assign(new Error(cause.message, { cause }), { name: 'KafkaJSNumberOfRetriesExceeded' });
}

type Refusals = {
  /** Errors the next sendOffsets calls throw (AddOffsetsToTxn refused), one per call. */
  offsets?: Error[];
  /** Errors the next transaction() calls throw (InitProducerId refused), one per call. */
  begin?: Error[];
};

/** A kafkajs client whose producers log what they do; `sendError` is what every send throws. */
function fakeKafka(sendError?: Error, refusals: Refusals = {}) {
  const events: string[] = [];
  let made = 0;
  const kafka = {
    producer(config: ProducerConfig) {
      const name = `${config.transactionalId}#${++made}`;
      const producer = {
        connect: async () => void events.push(`connect ${name}`),
        disconnect: async () => void events.push(`disconnect ${name}`),
        transaction: async () => {
          const refused = refusals.begin?.shift();
          if (refused) {
            events.push(`begin refused ${name}`);
            throw refused;
          }
          let active = true;
          events.push(`begin ${name}`);
          return {
            isActive: () => active,
            send: async () => {
              if (sendError) throw sendError;
              events.push(`send ${name}`);
            },
            sendOffsets: async () => {
              const refusedOffsets = refusals.offsets?.shift();
              if (refusedOffsets) {
                events.push(`offsets refused ${name}`);
                throw refusedOffsets;
              }
              events.push(`offsets ${name}`);
            },
            commit: async () => {
              active = false;
              events.push(`commit ${name}`);
            },
            abort: async () => {
              active = false;
              events.push(`abort ${name}`);
            },
          };
        },
      };
      return producer as unknown as Producer;
    },
  } as unknown as Kafka;
  return { kafka, events };
}

const quiet = { info: () => {}, warn: () => {} };
const record = { topic: 'out', messages: [{ value: 'v' }] };

describe('KafkaTransactions', () => {
  it('runs a batch on the lowest owned partition id; fence initialises the others and lets go of them', async () => {
    const { kafka, events } = fakeKafka();
    const transactions = new KafkaTransactions({ kafka, groupId: 'g', timeoutMs: 60_000, log: quiet });
    await transactions.fence([
      { topic: 'in', partition: 2 },
      { topic: 'in', partition: 0 },
    ]);
    transactions.own([
      { topic: 'in', partition: 2 },
      { topic: 'in', partition: 0 },
    ]);
    await transactions.send(record);
    await transactions.commit([{ topic: 'in', partition: 0, offset: 4n }]);
    expect(events).toEqual([
      'connect g-in-2#1',
      'begin g-in-2#1',
      'abort g-in-2#1',
      'disconnect g-in-2#1',
      'connect g-in-0#2',
      'begin g-in-0#2',
      'abort g-in-0#2',
      'disconnect g-in-0#2',
      'connect g-in-0#3',
      'begin g-in-0#3',
      'send g-in-0#3',
      'offsets g-in-0#3',
      'commit g-in-0#3',
    ]);
  });

  it('after an indefinite error (a timeout) the producer is re-created, which ends the transaction, and the run stops', async () => {
    const timeout = Object.assign(new Error('Request Produce(key: 0, version: 7) timed out'), {
      name: 'KafkaJSRequestTimeoutError',
    });
    const { kafka, events } = fakeKafka(timeout);
    const transactions = new KafkaTransactions({ kafka, groupId: 'g', timeoutMs: 60_000, log: quiet });
    transactions.own([{ topic: 'in', partition: 0 }]);
    await expect(transactions.send(record)).rejects.toMatchObject({
      code: 'SLUICE_TRANSACTION',
      message:
        'cannot write to topic out in a transaction: Request Produce(key: 0, version: 7) timed out; nothing of it is visible to read_committed consumers, and a restart goes on from the last checkpoint',
    });
    expect(events).toEqual([
      'connect g-in-0#1',
      'begin g-in-0#1',
      'disconnect g-in-0#1',
      'connect g-in-0#2',
      'begin g-in-0#2',
      'abort g-in-0#2',
      'disconnect g-in-0#2',
    ]);
  });

  it('after a definite error the transaction is aborted on the same producer', async () => {
    const { kafka, events } = fakeKafka(new Error('INVALID_RECORD'));
    const transactions = new KafkaTransactions({ kafka, groupId: 'g', timeoutMs: 60_000, log: quiet });
    transactions.own([{ topic: 'in', partition: 0 }]);
    await expect(transactions.send(record)).rejects.toMatchObject({ code: 'SLUICE_TRANSACTION' });
    expect(events).toEqual(['connect g-in-0#1', 'begin g-in-0#1', 'abort g-in-0#1']);
  });

  it('AddOffsetsToTxn refused with CONCURRENT_TRANSACTIONS (the previous commit still ending) is made again in the same transaction, which commits', async () => {
    const { kafka, events } = fakeKafka(undefined, { offsets: [concurrent(), concurrent()] });
    const debug: object[] = [];
    const log = { ...quiet, debug: (object: object) => void debug.push(object) };
    const transactions = new KafkaTransactions({ kafka, groupId: 'g', timeoutMs: 60_000, log });
    transactions.own([{ topic: 'in', partition: 0 }]);
    await transactions.commit([{ topic: 'in', partition: 0, offset: 5n }]);
    await transactions.commit([{ topic: 'in', partition: 0, offset: 9n }]);
    expect(events).toEqual([
      'connect g-in-0#1',
      'begin g-in-0#1',
      'offsets refused g-in-0#1',
      'offsets refused g-in-0#1',
      'offsets g-in-0#1',
      'commit g-in-0#1',
      'begin g-in-0#1',
      'offsets g-in-0#1',
      'commit g-in-0#1',
    ]);
    expect(debug).toEqual([
      expect.objectContaining({ transactionalId: 'g-in-0', request: 'AddOffsetsToTxn', attempts: 3 }),
    ]);
  });

  it('InitProducerId still refused after kafkajs gave up (an earlier owner being aborted) is made again, in fence and on begin', async () => {
    const refusals = { begin: [retriesExceeded(concurrent())] };
    const { kafka, events } = fakeKafka(undefined, refusals);
    const transactions = new KafkaTransactions({ kafka, groupId: 'g', timeoutMs: 60_000, log: quiet });
    await transactions.fence([{ topic: 'in', partition: 1 }]);
    refusals.begin.push(retriesExceeded(concurrent()));
    transactions.own([{ topic: 'in', partition: 1 }]);
    await transactions.commit([{ topic: 'in', partition: 1, offset: 3n }]);
    expect(events).toEqual([
      'connect g-in-1#1',
      'begin refused g-in-1#1',
      'begin g-in-1#1',
      'abort g-in-1#1',
      'disconnect g-in-1#1',
      'connect g-in-1#2',
      'begin refused g-in-1#2',
      'begin g-in-1#2',
      'offsets g-in-1#2',
      'commit g-in-1#2',
    ]);
  });

  it('CONCURRENT_TRANSACTIONS for longer than the budget aborts the transaction and stops with SLUICE_TRANSACTION naming the request', async () => {
    const { kafka, events } = fakeKafka(undefined, { offsets: Array.from({ length: 100 }, concurrent) });
    const transactions = new KafkaTransactions({
      kafka,
      groupId: 'g',
      timeoutMs: 60_000,
      log: quiet,
      concurrentRetryMs: 40,
    });
    transactions.own([{ topic: 'in', partition: 0 }]);
    const failure = await transactions
      .commit([{ topic: 'in', partition: 0, offset: 5n }])
      .catch((e: unknown) => e);
    expect(failure).toMatchObject({ code: 'SLUICE_TRANSACTION' });
    expect(String((failure as Error).message)).toMatch(
      /^cannot commit the transaction: AddOffsetsToTxn on transactional id g-in-0 still refused with CONCURRENT_TRANSACTIONS after \d+ ms \(\d+ attempts\): the transaction coordinator has not finished the previous transaction; nothing of it is visible/,
    );
    // 10, 20 ms apart: three attempts fit in 40 ms, a fourth would not.
    expect(events.filter((event) => event === 'offsets refused g-in-0#1')).toHaveLength(3);
    expect(events.at(-1)).toBe('abort g-in-0#1');
    expect(events).not.toContain('commit g-in-0#1');
  });

  it('other errors are not retried: the transaction is aborted at once', async () => {
    const invalid = Object.assign(
      new Error('The producer attempted a transactional operation in an invalid state'),
      {
        name: 'KafkaJSProtocolError',
        type: 'INVALID_TXN_STATE',
      },
    );
    const { kafka, events } = fakeKafka(undefined, { offsets: [invalid] });
    const transactions = new KafkaTransactions({ kafka, groupId: 'g', timeoutMs: 60_000, log: quiet });
    transactions.own([{ topic: 'in', partition: 0 }]);
    await expect(transactions.commit([{ topic: 'in', partition: 0, offset: 5n }])).rejects.toMatchObject({
      code: 'SLUICE_TRANSACTION',
    });
    expect(events).toEqual([
      'connect g-in-0#1',
      'begin g-in-0#1',
      'offsets refused g-in-0#1',
      'abort g-in-0#1',
    ]);
  });
});

describe('transactionTimeoutMs', () => {
  it('covers a checkpoint interval plus an output retried for SLUICE_SINK_RETRY_TIMEOUT_MS, at least 60 s', () => {
    expect(transactionTimeoutMs({ checkpointIntervalMs: 10_000, sinkRetryTimeoutMs: 0 })).toEqual({
      timeoutMs: 60_000,
      capped: false,
    });
    // The defaults: 10 s + 60 s + 30 s.
    expect(transactionTimeoutMs({ checkpointIntervalMs: 10_000, sinkRetryTimeoutMs: 60_000 })).toEqual({
      timeoutMs: 100_000,
      capped: false,
    });
    expect(transactionTimeoutMs({ checkpointIntervalMs: 300, sinkRetryTimeoutMs: 120_000 })).toEqual({
      timeoutMs: 150_300,
      capped: false,
    });
    expect(transactionTimeoutMs({ checkpointIntervalMs: 100_000, sinkRetryTimeoutMs: 0 })).toEqual({
      timeoutMs: 300_000,
      capped: false,
    });
  });

  it("is capped at the broker's default transaction.max.timeout.ms (15 min), and says so", () => {
    expect(transactionTimeoutMs({ checkpointIntervalMs: 10_000, sinkRetryTimeoutMs: 3_600_000 })).toEqual({
      timeoutMs: 900_000,
      capped: true,
    });
  });
});
