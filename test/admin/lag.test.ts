import { describe, expect, it } from 'vitest';
import { kafkaLag } from '../../src/admin/index.ts';

type Admin = Parameters<typeof kafkaLag>[0]['admin'];

/** An admin whose offsets the test sets, counting its requests. */
function fakeAdmin(high: Record<string, string[]>, committed: Record<string, string[]>) {
  const calls = { topicOffsets: 0, groupOffsets: 0 };
  let hang = false;
  const admin = {
    fetchTopicOffsets: async (topic: string) => {
      calls.topicOffsets++;
      if (hang) return new Promise<never>(() => {});
      return (high[topic] ?? []).map((offset, partition) => ({ partition, offset, high: offset, low: '0' }));
    },
    fetchOffsets: async ({ topics }: { topics: string[] }) => {
      calls.groupOffsets++;
      return topics.map((topic) => ({
        topic,
        partitions: (committed[topic] ?? []).map((offset, partition) => ({
          partition,
          offset,
          metadata: null,
        })),
      }));
    },
  } as unknown as Admin;
  return { admin, calls, hang: () => (hang = true), high, committed };
}

describe('kafkaLag', () => {
  it('is the high watermark minus the committed offset, for owned partitions with a commit', async () => {
    const kafka = fakeAdmin({ clicks: ['100', '50', '7'] }, { clicks: ['90', '-1', '7'] });
    const lag = kafkaLag({
      admin: kafka.admin,
      groupId: 'g',
      owned: () => [
        { topic: 'clicks', partition: 0 },
        { topic: 'clicks', partition: 1 },
        { topic: 'clicks', partition: 2 },
      ],
    });
    expect(await lag()).toEqual([
      { topic: 'clicks', partition: 0, lag: 10n },
      { topic: 'clicks', partition: 2, lag: 0n },
    ]);
  });

  it('owns nothing: asks Kafka nothing', async () => {
    const kafka = fakeAdmin({}, {});
    const lag = kafkaLag({ admin: kafka.admin, groupId: 'g', owned: () => [] });
    expect(await lag()).toEqual([]);
    expect(kafka.calls).toEqual({ topicOffsets: 0, groupOffsets: 0 });
  });

  it('reads Kafka at most once per maxAgeMs', async () => {
    let now = 0;
    const kafka = fakeAdmin({ clicks: ['10'] }, { clicks: ['4'] });
    const lag = kafkaLag({
      admin: kafka.admin,
      groupId: 'g',
      owned: () => [{ topic: 'clicks', partition: 0 }],
      maxAgeMs: 1000,
      now: () => now,
    });
    await lag();
    now = 999;
    await lag();
    expect(kafka.calls).toEqual({ topicOffsets: 1, groupOffsets: 1 });
    now = 1000;
    kafka.committed.clicks = ['9'];
    expect(await lag()).toEqual([{ topic: 'clicks', partition: 0, lag: 1n }]);
    expect(kafka.calls).toEqual({ topicOffsets: 2, groupOffsets: 2 });
  });

  it('answers with the last figures when Kafka does not answer in time', async () => {
    let now = 0;
    const kafka = fakeAdmin({ clicks: ['10'] }, { clicks: ['4'] });
    const lag = kafkaLag({
      admin: kafka.admin,
      groupId: 'g',
      owned: () => [{ topic: 'clicks', partition: 0 }],
      maxAgeMs: 0,
      timeoutMs: 10,
      now: () => now++,
    });
    expect(await lag()).toEqual([{ topic: 'clicks', partition: 0, lag: 6n }]);
    kafka.hang();
    expect(await lag()).toEqual([{ topic: 'clicks', partition: 0, lag: 6n }]);
  });
});
