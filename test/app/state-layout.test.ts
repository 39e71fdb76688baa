import type { Admin } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { stateLayout } from '../../src/app/state-layout.ts';
import { loadConfig } from '../../src/config/index.ts';

/** An admin that knows topics and their partition counts. */
function admin(topics: Record<string, number>): Admin {
  return {
    listTopics: async () => Object.keys(topics),
    fetchTopicMetadata: async ({ topics: names }: { topics: string[] }) => ({
      topics: names.map((name) => ({
        name,
        partitions: Array.from({ length: topics[name] ?? 0 }, (_, partitionId) => ({ partitionId })),
      })),
    }),
  } as unknown as Admin;
}

const config = (topics: string) =>
  loadConfig({ SLUICE_BROKERS: '127.0.0.1:9092', SLUICE_TOPICS: topics, SLUICE_GENERATOR_PARTITIONS: '5' });

describe('stateLayout', () => {
  it('the generator: its partitions', async () => {
    expect(await stateLayout(loadConfig({ SLUICE_GENERATOR_PARTITIONS: '5' }), undefined)).toEqual({
      topic: 'generator',
      partitions: 5,
    });
  });

  it('Kafka: the input topic’s partition count; of several, the first by name', async () => {
    expect(await stateLayout(config('clicks'), admin({ clicks: 6 }))).toEqual({
      topic: 'clicks',
      partitions: 6,
    });
    expect(await stateLayout(config('b,a'), admin({ a: 3, b: 3 }))).toEqual({ topic: 'a', partitions: 3 });
    expect(await stateLayout(config('/^cl/'), admin({ clicks: 4, views: 2 }))).toEqual({
      topic: 'clicks',
      partitions: 4,
    });
  });

  it('input topics with different partition counts stop the start', async () => {
    await expect(stateLayout(config('a,b'), admin({ a: 3, b: 4 }))).rejects.toThrow(
      'keyed state needs input topics with one partition count (partition q of each goes to one instance); got a: 3, b: 4',
    );
    // A join of two inputs needs the same, and says so.
    await expect(stateLayout(config('a,b'), admin({ a: 3, b: 4 }), 'a join of two inputs')).rejects.toThrow(
      'a join of two inputs needs input topics with one partition count (partition q of each goes to one instance); got a: 3, b: 4',
    );
    await expect(stateLayout(config('/^x/'), admin({ a: 3 }))).rejects.toThrow(
      "keyed state needs the input topics' partition count, and SLUICE_TOPICS (/^x/) names no existing topic",
    );
  });
});
