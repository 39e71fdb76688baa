import type { Admin, Consumer } from 'kafkajs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../../src/config/index.ts';
import { partitionId } from '../../../src/core/index.ts';
import { FetchBuffers } from '../../../src/kafka/consumer/fetch-buffer.ts';
import { RetentionSkips } from '../../../src/kafka/consumer/retention.ts';

afterEach(() => {
  vi.restoreAllMocks();
});

function setup() {
  const config = loadConfig({ SLUICE_BROKERS: '127.0.0.1:1', SLUICE_TOPICS: 't', SLUICE_GROUP_ID: 'g' });
  const consumer = { pause: () => {}, resume: () => {}, seek: () => {} } as unknown as Consumer;
  const buffers = new FetchBuffers(consumer, config);
  buffers.reassign({ t: [0, 1, 2] }, false, undefined);
  const reads: string[] = [];
  const admin = {
    fetchTopicOffsets: async (topic: string) => {
      reads.push(topic);
      return [0, 1, 2].map((partition) => ({ partition, low: '20', high: '100', offset: '100' }));
    },
  } as unknown as Admin;
  const warnings: object[] = [];
  const log = {
    info: () => {},
    warn: (object: object) => void warnings.push(object),
    error: () => {},
    debug: () => {},
  };
  const retry = { timeoutMs: 1000, brokers: [], log };
  const retention = new RetentionSkips({ admin, retry, log, buffers });
  const buffer = (partition: number) => {
    const found = buffers.get(partitionId('t', partition));
    if (!found) throw new Error(`no buffer for t-${partition}`);
    return found;
  };
  return { retention, buffer, reads, warnings };
}

describe('RetentionSkips', () => {
  it('moves an available-now partition waiting before its log start to it, at most once a second', async () => {
    const { retention, buffer, reads, warnings } = setup();
    Object.assign(buffer(0), { position: 5n, end: 100n });
    // Past the log start already, or not available-now: left alone.
    Object.assign(buffer(1), { position: 50n, end: 100n });
    Object.assign(buffer(2), { position: 5n, end: undefined });
    await retention.skipIfDue();
    expect(reads).toEqual([]);
    const now = Date.now();
    vi.spyOn(Date, 'now').mockReturnValue(now + 1000);
    await retention.skipIfDue();
    expect(reads).toEqual(['t']);
    expect([buffer(0).position, buffer(1).position, buffer(2).position]).toEqual([20n, 50n, 5n]);
    expect(warnings).toEqual([{ topic: 't', partition: 0, from: '5', to: '20' }]);
    await retention.skipIfDue();
    expect(reads).toEqual(['t']);
  });
});
