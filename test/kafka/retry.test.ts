import { describe, expect, it } from 'vitest';
import { isSluiceError } from '../../src/errors/index.ts';
import { isRetriableKafkaError, retryingKafka } from '../../src/kafka/index.ts';

const retriable = (message: string) => Object.assign(new Error(message), { retriable: true });
const quiet = { warn: () => {} };

describe('retryingKafka', () => {
  it('runs a call again while it fails retriably, and returns its result', async () => {
    let calls = 0;
    const result = await retryingKafka(
      'committing',
      async () => {
        calls++;
        if (calls < 3) throw retriable('Connection error: connect ECONNREFUSED');
        return 'done';
      },
      { timeoutMs: 1_000, brokers: ['b:9092'], log: quiet, firstDelayMs: 1 },
    );
    expect({ result, calls }).toEqual({ result: 'done', calls: 3 });
  });

  it('stops after the budget with SLUICE_KAFKA_UNAVAILABLE naming the brokers and the variable', async () => {
    const error = await retryingKafka(
      'committing offsets of group g',
      async () => {
        throw retriable('Connection error: connect ECONNREFUSED');
      },
      { timeoutMs: 30, brokers: ['b1:9092', 'b2:9092'], log: quiet, firstDelayMs: 5 },
    ).catch((caught: unknown) => caught);
    expect(isSluiceError(error, 'SLUICE_KAFKA_UNAVAILABLE')).toBe(true);
    expect((error as Error).message).toBe(
      'Kafka brokers b1:9092,b2:9092 (SLUICE_BROKERS) did not answer for 30 ms (SLUICE_KAFKA_RETRY_TIMEOUT_MS) while committing offsets of group g: Connection error: connect ECONNREFUSED',
    );
  });

  it('does not retry what a reconnect cannot cure', async () => {
    let calls = 0;
    const refused = Object.assign(new Error('not authorized'), { retriable: false });
    await expect(
      retryingKafka(
        'x',
        async () => {
          calls++;
          throw refused;
        },
        { timeoutMs: 1_000, brokers: ['b:9092'], log: quiet, firstDelayMs: 1 },
      ),
    ).rejects.toBe(refused);
    expect(calls).toBe(1);
  });

  it("counts kafkajs's spent retries as retriable, as its consumer restart does", () => {
    const spent = Object.assign(new Error('x'), { name: 'KafkaJSNumberOfRetriesExceeded', retriable: false });
    expect(isRetriableKafkaError(spent)).toBe(true);
    const wrapped = new Error('outer', { cause: retriable('inner') });
    expect(isRetriableKafkaError(wrapped)).toBe(true);
  });
});
