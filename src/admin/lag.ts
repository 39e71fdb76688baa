// Consumer lag per owned partition from Kafka's admin API, cached and time-boxed so a scrape never hangs.

import type { Admin } from 'kafkajs';
import { partitionId } from '../core/index.ts';
import { LAG_MAX_AGE_MS, LAG_TIMEOUT_MS } from './options.ts';
import type { LagSource, PartitionLag } from './types.ts';

export type KafkaLagOptions = {
  readonly admin: Pick<Admin, 'fetchTopicOffsets' | 'fetchOffsets'>;
  readonly groupId: string;
  /** The partitions this instance owns now: each instance reports its own. */
  readonly owned: () => readonly { readonly topic: string; readonly partition: number }[];
  readonly maxAgeMs?: number;
  readonly timeoutMs?: number;
  readonly now?: () => number;
};

/**
 * Consumer lag as Kafka's tools show it: per owned partition, the high watermark minus the group's
 * committed offset (partitions without a commit yet are left out). Two admin requests per topic per
 * read, at most once per `maxAgeMs`; a read that fails or takes longer than `timeoutMs` answers with
 * the last figures, so a scrape never waits on a broker that is down.
 */
export function kafkaLag(options: KafkaLagOptions): LagSource {
  const { admin, groupId } = options;
  const now = options.now ?? Date.now;
  const maxAgeMs = options.maxAgeMs ?? LAG_MAX_AGE_MS;
  const timeoutMs = options.timeoutMs ?? LAG_TIMEOUT_MS;
  let last: { at: number; lags: readonly PartitionLag[] } | undefined;
  let reading: Promise<readonly PartitionLag[]> | undefined;

  const read = async (): Promise<readonly PartitionLag[]> => {
    const owned = options.owned();
    const topics = [...new Set(owned.map(({ topic }) => topic))];
    if (topics.length === 0) return [];
    const high = new Map<string, bigint>();
    for (const topic of topics) {
      for (const offsets of await admin.fetchTopicOffsets(topic)) {
        high.set(partitionId(topic, offsets.partition), BigInt(offsets.high));
      }
    }
    const committed = new Map<string, bigint>();
    for (const entry of await admin.fetchOffsets({ groupId, topics })) {
      for (const { partition, offset } of entry.partitions) {
        if (offset !== '-1') committed.set(partitionId(entry.topic, partition), BigInt(offset));
      }
    }
    const lags: PartitionLag[] = [];
    for (const { topic, partition } of owned) {
      const end = high.get(partitionId(topic, partition));
      const done = committed.get(partitionId(topic, partition));
      if (end === undefined || done === undefined) continue;
      lags.push({ topic, partition, lag: end > done ? end - done : 0n });
    }
    return lags;
  };

  return async () => {
    if (last && now() - last.at < maxAgeMs) return last.lags;
    // Scrapes that arrive together share one read.
    reading ??= read().finally(() => {
      reading = undefined;
    });
    const fresh = await withTimeout(reading, timeoutMs).catch(() => undefined);
    if (fresh === undefined) return last?.lags ?? [];
    last = { at: now(), lags: fresh };
    return fresh;
  };
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
