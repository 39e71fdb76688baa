import type { Admin } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { UNLIMITED } from '../../../src/backpressure/index.ts';
import { loadConfig } from '../../../src/config/index.ts';
import { partitionId } from '../../../src/core/index.ts';
import { BatchCutter } from '../../../src/kafka/consumer/batch-cutter.ts';
import { FetchBuffers, type PartitionBuffer } from '../../../src/kafka/consumer/fetch-buffer.ts';
import type { FetchedPartition, FetchResponse } from '../../../src/kafka/consumer/fetch-response.ts';
import type { FetchRequest, KafkaCluster } from '../../../src/kafka/consumer/kafka-cluster.ts';
import { RawFetcher } from '../../../src/kafka/consumer/raw-fetcher.ts';
import { batchBytes, concatBytes } from '../../support/record-batches.ts';

type Script = (request: FetchRequest) => FetchedPartition[];

function answer(partition: number, fields: Partial<FetchedPartition> = {}): FetchedPartition {
  return {
    topic: 't',
    partition,
    errorCode: 0,
    highWatermark: 100n,
    lastStableOffset: 100n,
    logStartOffset: 0n,
    abortedTransactions: null,
    records: new Uint8Array(0),
    ...fields,
  };
}

const running: RawFetcher[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((fetcher) => fetcher.stop()));
});

function setup(partitions = [0, 1]) {
  const config = loadConfig({ SLUICE_BROKERS: '127.0.0.1:1', SLUICE_TOPICS: 't', SLUICE_GROUP_ID: 'g' });
  const buffers = new FetchBuffers(config);
  buffers.reassign({ t: partitions }, undefined);
  const buffer = (partition: number) => buffers.get(partitionId('t', partition)) as PartitionBuffer;
  for (const partition of partitions) buffers.positionAt(buffer(partition), 0n);
  const requests: FetchRequest[] = [];
  const refreshes: string[][] = [];
  const script: Script[] = [];
  const cluster: KafkaCluster = {
    disconnect: async () => {},
    refreshMetadata: async (topics) => void refreshes.push([...topics]),
    leaders: (_topic, numbers) => ({ '1': [...numbers] }),
    produce: async () => {
      throw new Error('the fetcher produces nothing');
    },
    features: async () => {
      throw new Error('the fetcher asks for no features');
    },
    fetch: async (_nodeId, request): Promise<FetchResponse> => {
      requests.push(request);
      const next = script.shift();
      // Nothing scripted: an empty answer a moment later, as a broker's wait would give.
      if (!next) await new Promise((resolve) => setTimeout(resolve, 5));
      return { clientSideThrottleTime: 0, errorCode: 0, partitions: next ? next(request) : [] };
    },
  };
  const warnings: [object, string][] = [];
  const log = {
    info: () => {},
    warn: (object: object, message: string) => void warnings.push([object, message]),
    error: () => {},
    debug: () => {},
  };
  const admin = {
    fetchTopicOffsets: async () =>
      partitions.map((partition) => ({ partition, low: '20', high: '100', offset: '100' })),
  } as unknown as Admin;
  const failures: string[] = [];
  let arrivals = 0;
  let answers = 0;
  const fetcher = new RawFetcher({
    cluster: () => cluster,
    admin,
    buffers,
    config,
    retry: { timeoutMs: 1000, brokers: [], log },
    log,
    fetching: () => true,
    arrived: () => void arrivals++,
    answered: () => void answers++,
    fail: (error) => void failures.push((error as Error).message),
  });
  const start = () => {
    fetcher.start();
    running.push(fetcher);
  };
  /** Resolves once `n` requests were answered (a hang guard of 2 s, not a speed limit). */
  const answered = async (n: number) => {
    const deadline = Date.now() + 2000;
    while (requests.length <= n && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 1));
  };
  const offsets = (request: FetchRequest | undefined) =>
    request?.topics.flatMap(({ topic, partitions: list }) =>
      list.map((item) => `${topic}-${item.partition}@${item.fetchOffset}/${item.maxBytes}`),
    );
  return {
    buffers,
    buffer,
    script,
    requests,
    refreshes,
    warnings,
    failures,
    arrivals: () => arrivals,
    answers: () => answers,
    fetcher,
    start,
    answered,
    offsets,
    cutter: new BatchCutter(buffers, config),
  };
}

describe('RawFetcher', () => {
  it('fetches each partition from its leader at its fetch position, and goes on past what it got', async () => {
    const t = setup();
    t.script.push(() => [
      answer(0, {
        records: concatBytes(
          batchBytes({ base: 0n, lastOffsetDelta: 9, count: 10 }),
          batchBytes({ base: 10n, lastOffsetDelta: 4, count: 5 }),
        ),
      }),
      answer(1),
    ]);
    t.start();
    await t.answered(2);
    expect(t.refreshes).toEqual([['t']]);
    const [first, second] = t.requests;
    expect(first?.isolationLevel).toBe(1);
    expect(first?.maxBytes).toBe(50 * 1024 * 1024);
    expect(t.offsets(first)?.sort()).toEqual(['t-0@0/1048576', 't-1@0/1048576']);
    expect(t.offsets(second)?.sort()).toEqual(['t-0@15/1048576', 't-1@0/1048576']);
    expect([t.buffer(0).records, t.buffer(0).fetchAt, t.buffer(0).highWatermark]).toEqual([15, 15n, 100n]);
    expect(t.arrivals()).toBe(1);
  });

  it('past records deleted by retention: moves to the log start with a warning, and the next range spans the gap', async () => {
    const t = setup([0]);
    t.script.push(() => [answer(0, { errorCode: 1 })]);
    t.start();
    await t.answered(2);
    expect(t.warnings).toEqual([
      [
        { topic: 't', partition: 0, from: '0', to: '20' },
        'records deleted by retention before they were read; skipping to the log start',
      ],
    ]);
    expect(t.buffer(0).fetchAt).toBe(20n);
    expect(t.offsets(t.requests[1])).toEqual(['t-0@20/1048576']);
    const [work] = t.cutter.cut(UNLIMITED);
    expect([work?.range.fromOffset, work?.range.untilOffset, work?.records]).toEqual([0n, 20n, 0]);
  });

  it('looks the leaders up again after a leader error, before the next request', async () => {
    const t = setup([0]);
    t.script.push(() => [answer(0, { errorCode: 6 })]);
    t.start();
    await t.answered(2);
    expect(t.refreshes).toEqual([['t'], ['t']]);
    expect(t.offsets(t.requests[1])).toEqual(['t-0@0/1048576']);
    expect(t.failures).toEqual([]);
  });

  it('asks first, with room for it, for a partition whose next batch is larger than the limits (KIP-74)', async () => {
    const t = setup();
    const big = batchBytes({ base: 0n, lastOffsetDelta: 0, count: 1, body: new Uint8Array(3_000_000) });
    t.script.push(() => [answer(0), answer(1, { records: big.subarray(0, 1000) })]);
    t.script.push(() => [answer(1, { records: big })]);
    t.start();
    await t.answered(2);
    expect(t.buffer(1).oversize).toBeUndefined();
    const second = t.requests[1];
    expect(t.offsets(second)?.[0]).toBe(`t-1@0/${big.length}`);
    expect(second?.maxBytes).toBe(50 * 1024 * 1024);
    expect([t.buffer(1).records, t.buffer(1).fetchAt]).toEqual([1, 1n]);
  });

  it('stops the source on a batch whose length lies: cut short again when asked for first with room for it', async () => {
    const t = setup();
    // A header claiming 3 MB in front of 1,000 bytes: what a damaged length field looks like.
    const lying = batchBytes({ base: 0n, lastOffsetDelta: 0, count: 1, body: new Uint8Array(3_000_000) });
    t.script.push(() => [answer(0), answer(1, { records: lying.subarray(0, 1000) })]);
    t.script.push(() => [answer(1, { records: lying.subarray(0, 1000) })]);
    t.start();
    const deadline = Date.now() + 2000;
    while (t.failures.length < 1 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 1));
    // Longer than the loop's idle wait: it would have asked again by then.
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(t.offsets(t.requests[1])?.[0]).toBe(`t-1@0/${lying.length}`);
    expect(t.failures).toEqual([
      `corrupt record batch in t-1 at offset 0: it declares ${lying.length} bytes, but the broker sent 1000 when asked for it first with room for all of it (a damaged log segment)`,
    ]);
    // Partition 1 is held: no request asks for it again.
    expect(
      t.requests
        .slice(2)
        .flatMap((request) => t.offsets(request) ?? [])
        .filter((o) => o.startsWith('t-1')),
    ).toEqual([]);
  });

  it('drops what a fetch brought for a partition repositioned while it was under way', async () => {
    const t = setup([0]);
    t.script.push(() => {
      t.buffers.positionAt(t.buffer(0), 50n);
      return [answer(0, { records: batchBytes({ base: 0n, lastOffsetDelta: 9, count: 10 }) })];
    });
    t.start();
    await t.answered(2);
    expect([t.buffer(0).records, t.buffer(0).batches, t.buffer(0).fetchAt]).toEqual([0, [], 50n]);
    expect(t.offsets(t.requests[1])).toEqual(['t-0@50/1048576']);
  });

  it('stops the source on a damaged record set or an error that asking again cannot mend, and fetches neither again', async () => {
    const t = setup();
    const damaged = batchBytes({ base: 7n, lastOffsetDelta: 0, count: 1 });
    new DataView(damaged.buffer).setInt32(8, 3);
    t.script.push(() => [answer(0, { records: damaged }), answer(1, { errorCode: 29 })]);
    t.start();
    const deadline = Date.now() + 2000;
    while (t.failures.length < 2 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 1));
    // Longer than the loop's idle wait: it would have asked again by then.
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(t.failures).toEqual([
      "corrupt record batch in t-0 at offset 7: it declares 15 bytes, fewer than a batch header; Kafka's consumer stops here too (a damaged log segment)",
      'fetching t-1 failed: TOPIC_AUTHORIZATION_FAILED',
    ]);
    expect(t.requests).toHaveLength(1);
  });

  it('says since when and why fetching fails, until a round succeeds; answers count as contact', async () => {
    const t = setup([0]);
    t.script.push(() => {
      throw new Error('Connection error: connect ECONNREFUSED 127.0.0.1:9');
    });
    t.start();
    const deadline = Date.now() + 2000;
    while (t.fetcher.failing() === undefined && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 1));
    expect(t.fetcher.failing()?.reason).toBe('Connection error: connect ECONNREFUSED 127.0.0.1:9');
    expect(t.warnings.map(([, message]) => message)).toEqual(['fetching failed; retrying']);
    expect(t.answers()).toBe(0);
    // The next round (after the backoff) succeeds.
    await t.answered(2);
    expect(t.fetcher.failing()).toBeUndefined();
    expect(t.answers()).toBeGreaterThanOrEqual(1);
  });
});
