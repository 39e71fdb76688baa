import type { Kafka, Producer, ProducerConfig } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { KafkaTransactions } from '../../src/kafka/index.ts';

/** A kafkajs client whose producers log what they do; `sendError` is what every send throws. */
function fakeKafka(sendError?: Error) {
  const events: string[] = [];
  let made = 0;
  const kafka = {
    producer(config: ProducerConfig) {
      const name = `${config.transactionalId}#${++made}`;
      const producer = {
        connect: async () => void events.push(`connect ${name}`),
        disconnect: async () => void events.push(`disconnect ${name}`),
        transaction: async () => {
          let active = true;
          events.push(`begin ${name}`);
          return {
            isActive: () => active,
            send: async () => {
              if (sendError) throw sendError;
              events.push(`send ${name}`);
            },
            sendOffsets: async () => void events.push(`offsets ${name}`),
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
});
