// What the dead-letter writer makes of each refusal the brokers can give (kafkajs's own error
// classes, thrown by a scripted producer): one SLUICE_DLQ naming topic and cause, and a too-large
// refusal answered by reading the limit again and sending only what was not sent.

import kafkajs, { type Admin, type Producer, type ProducerRecord } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { toOffset } from '../../src/core/index.ts';
import { isSluiceError } from '../../src/errors/index.ts';
import { DeadLetterWriter } from '../../src/kafka/index.ts';
import type { DecodeFailure } from '../../src/task/index.ts';

const { KafkaJSConnectionError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } = kafkajs;
const TOPIC = 'clicks.dlq';
const silent = { info() {}, warn() {} };

const protocolError = (type: string, retriable = false) =>
  new KafkaJSProtocolError(Object.assign(new Error(`the broker said ${type}`), { type, code: 0, retriable }));

/** A producer that answers each send with the next scripted outcome (an error, or success). */
function writer(outcomes: (Error | undefined)[], limits: number[] = [1_048_588]) {
  const sends: string[][] = [];
  const producer = {
    send: async (record: ProducerRecord) => {
      sends.push(record.messages.map((message) => String(message.headers?.['sluice.origin.offset'])));
      const outcome = outcomes.shift();
      if (outcome) throw outcome;
      return [];
    },
  } as unknown as Producer;
  const admin = {
    listTopics: async () => [TOPIC],
    describeConfigs: async () => ({
      resources: [
        { configEntries: [{ configName: 'max.message.bytes', configValue: String(limits.shift()) }] },
      ],
    }),
  } as unknown as Admin;
  const retry = {
    timeoutMs: 200,
    brokers: ['127.0.0.1:9092'],
    log: silent,
    firstDelayMs: 10,
    maxDelayMs: 10,
  };
  return { sends, dlq: new DeadLetterWriter({ admin, producer, topic: TOPIC, retry, log: silent }) };
}

const failures = (sizes: readonly number[]): DecodeFailure[] =>
  sizes.map((size, offset) => ({
    topic: 'clicks',
    partition: 0,
    offset: toOffset(offset),
    error: 'not JSON',
    key: null,
    value: new Uint8Array(size),
  }));

async function failure(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(isSluiceError(error, 'SLUICE_DLQ')).toBe(true);
  return error as Error;
}

const prefix = `cannot write dead letters to topic ${TOPIC} (SLUICE_DLQ_TOPIC): `;
const suffix = '; nothing of the batch was committed';

describe('DeadLetterWriter', () => {
  it('sends letters the topic takes together in one request, the rest in more', async () => {
    const { sends, dlq } = writer([]);
    await dlq.start();
    await dlq.write(failures([900_000, 900_000, 10, 10]));
    expect(sends).toEqual([['0'], ['1', '2', '3']]);
  });

  it('is SLUICE_DLQ naming the cause when the topic is missing and not created, after kafkajs retried', async () => {
    const missing = protocolError('UNKNOWN_TOPIC_OR_PARTITION', true);
    const { sends, dlq } = writer([
      new KafkaJSNumberOfRetriesExceeded(missing, { retryCount: 5, retryTime: 9 }),
    ]);
    const error = await failure(dlq.write(failures([10])));
    expect(error.message).toBe(
      `${prefix}the topic does not exist and the brokers did not create it (UNKNOWN_TOPIC_OR_PARTITION: auto.create.topics.enable=false, or a name that collides with an existing topic's once "." and "_" are taken alike); create it with \`sluice topics create\`${suffix}`,
    );
    expect(sends).toHaveLength(1);
  });

  it('is SLUICE_DLQ when the client may not write to the topic', async () => {
    const { dlq } = writer([protocolError('TOPIC_AUTHORIZATION_FAILED')]);
    const error = await failure(dlq.write(failures([10])));
    expect(error.message).toBe(
      `${prefix}this client is not authorised to write to it (TOPIC_AUTHORIZATION_FAILED); grant its principal WRITE on the topic${suffix}`,
    );
  });

  it('reads the limit again on a too-large refusal and sends only what was not sent, to the new limit', async () => {
    const { sends, dlq } = writer([undefined, protocolError('MESSAGE_TOO_LARGE')], [1_048_588, 500_000]);
    await dlq.start();
    await dlq.write(failures([600_000, 600_000, 10]));
    // The refused request goes again: its first letter cut to fill 500,000 bytes, so the second
    // in a request of its own; the letter sent before is not sent twice.
    expect(sends).toEqual([['0'], ['1', '2'], ['1'], ['2']]);
  });

  it('is SLUICE_DLQ when the brokers refuse as too large what fits the limit read', async () => {
    const tooLarge = protocolError('MESSAGE_TOO_LARGE');
    const { sends, dlq } = writer([tooLarge, tooLarge], [1_048_588, 1_048_588]);
    await dlq.start();
    const error = await failure(dlq.write(failures([10])));
    expect(error.message).toBe(
      `${prefix}the brokers refused a batch as too large (MESSAGE_TOO_LARGE) although it fit the topic's max.message.bytes=1048588${suffix}`,
    );
    expect(sends).toHaveLength(1);
  });

  it('is SLUICE_DLQ when the brokers stay away past the retry timeout', async () => {
    const away = () => new KafkaJSConnectionError('Connection error: ECONNREFUSED');
    const { dlq } = writer(Array.from({ length: 100 }, away));
    const error = await failure(dlq.write(failures([10])));
    expect(error.message).toBe(
      `${prefix}Kafka brokers 127.0.0.1:9092 (SLUICE_BROKERS) did not answer for 200 ms (SLUICE_KAFKA_RETRY_TIMEOUT_MS) while writing dead letters: Connection error: ECONNREFUSED${suffix}`,
    );
  });
});
