import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TestProject } from 'vitest/node';
import setup from './kafka-global-setup.ts';

describe('integration global setup', () => {
  const saved = { brokers: process.env.SLUICE_TEST_BROKERS, version: process.env.SLUICE_TEST_KAFKA_VERSION };
  afterEach(() => {
    if (saved.brokers === undefined) delete process.env.SLUICE_TEST_BROKERS;
    else process.env.SLUICE_TEST_BROKERS = saved.brokers;
    if (saved.version === undefined) delete process.env.SLUICE_TEST_KAFKA_VERSION;
    else process.env.SLUICE_TEST_KAFKA_VERSION = saved.version;
  });

  it('uses the broker named by SLUICE_TEST_BROKERS instead of starting one', async () => {
    process.env.SLUICE_TEST_BROKERS = '10.1.2.3:9092,10.1.2.4:9092';
    delete process.env.SLUICE_TEST_KAFKA_VERSION;
    const provide = vi.fn();
    const teardown = await setup({ provide } as unknown as TestProject);
    expect(provide.mock.calls).toEqual([
      ['kafkaBrokers', '10.1.2.3:9092,10.1.2.4:9092'],
      ['kafkaVersion', ''],
    ]);
    await teardown();
    expect(provide).toHaveBeenCalledTimes(2);
  });

  it("takes that broker's version from SLUICE_TEST_KAFKA_VERSION", async () => {
    process.env.SLUICE_TEST_BROKERS = '10.1.2.3:9092';
    process.env.SLUICE_TEST_KAFKA_VERSION = '3.9.1';
    const provide = vi.fn();
    await setup({ provide } as unknown as TestProject);
    expect(provide.mock.calls).toEqual([
      ['kafkaBrokers', '10.1.2.3:9092'],
      ['kafkaVersion', '3.9.1'],
    ]);
  });
});
