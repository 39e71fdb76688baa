import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TestProject } from 'vitest/node';
import setup from './kafka-global-setup.ts';

describe('integration global setup', () => {
  const saved = process.env.SLUICE_TEST_BROKERS;
  afterEach(() => {
    if (saved === undefined) delete process.env.SLUICE_TEST_BROKERS;
    else process.env.SLUICE_TEST_BROKERS = saved;
  });

  it('uses the broker named by SLUICE_TEST_BROKERS instead of starting one', async () => {
    process.env.SLUICE_TEST_BROKERS = '10.1.2.3:9092,10.1.2.4:9092';
    const provide = vi.fn();
    const teardown = await setup({ provide } as unknown as TestProject);
    expect(provide.mock.calls).toEqual([['kafkaBrokers', '10.1.2.3:9092,10.1.2.4:9092']]);
    await teardown();
    expect(provide).toHaveBeenCalledTimes(1);
  });
});
