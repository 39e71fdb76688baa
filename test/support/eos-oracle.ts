import { setTimeout as sleep } from 'node:timers/promises';
import type { Kafka, KafkaMessage } from 'kafkajs';
import type { Sequenced } from '../fixtures/jobs/eos-verifier.ts';
import { startCollecting } from './collect.ts';
import { uniqueName } from './kafka.ts';

/** A row of the eos-verifier job's `-sums` output: per key and tumbling window, the sum of seq. */
export type WindowSum = { key: string; windowStart: number; windowEnd: number; value: number };

export const sortSums = (rows: WindowSum[]): WindowSum[] =>
  rows.sort((a, b) => a.windowStart - b.windowStart || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));

/** Per (key, window), the sum of the sequence numbers: what the job must emit once each. */
export function oracleSums(records: readonly Sequenced[], windowMs: number): WindowSum[] {
  const sums = new Map<string, WindowSum>();
  for (const { key, seq, at } of records) {
    const windowStart = Math.floor(at / windowMs) * windowMs;
    const id = `${key}/${windowStart}`;
    const row = sums.get(id) ?? { key, windowStart, windowEnd: windowStart + windowMs, value: 0 };
    row.value += seq;
    sums.set(id, row);
  }
  return sortSums([...sums.values()]);
}

export const echoId = (value: Sequenced): string => `${value.key}#${value.seq}`;

/**
 * Why a reader got fewer records than expected, per partition: the last offset it was given, and
 * the partition's last stable offset (kafkajs's admin lists offsets read_committed). An LSO stuck
 * below the log's records means an open transaction; an LSO past the last record read, a reader
 * that stopped (or aborted records after it).
 */
async function shortfall(
  kafka: Kafka,
  topic: string,
  received: readonly { readonly partition: number; readonly message: { readonly offset: string } }[],
): Promise<string> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets
      .sort((a, b) => a.partition - b.partition)
      .map(({ partition, high }) => {
        const mine = received.filter((item) => item.partition === partition);
        const last = mine.at(-1)?.message.offset ?? 'none';
        return `${topic}-${partition}: ${mine.length} read, last offset ${last}, last stable offset ${high}`;
      })
      .join('\n');
  } finally {
    await admin.disconnect();
  }
}

/**
 * Everything on `topic` a read_committed (or read_uncommitted) reader sees: at least `count`
 * values, then whatever else arrives within two seconds, so duplicates show.
 */
export async function readTopic<T>(
  kafka: Kafka,
  topic: string,
  count: number,
  readUncommitted = false,
): Promise<T[]> {
  const consumer = kafka.consumer({
    groupId: uniqueName('eos-reader'),
    maxWaitTimeInMs: 100,
    readUncommitted,
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const inbox = await startCollecting(consumer);
    await inbox.waitFor(count, 60_000).catch(async (error: unknown) => {
      throw new Error(`${String(error)}\n${await shortfall(kafka, topic, inbox.received)}`, { cause: error });
    });
    await sleep(2_000);
    await consumer.disconnect();
    return inbox.received.map((item) => JSON.parse(item.message.value?.toString() ?? 'null') as T);
  } finally {
    await consumer.disconnect();
  }
}

/**
 * Every value on `topic` that a read_committed reader sees, read to the end the topic had when
 * called: per partition, until a batch's last offset (transaction markers included) reaches it.
 */
export async function readTopicToEnd<T>(kafka: Kafka, topic: string): Promise<T[]> {
  const messages = await readMessagesToEnd(kafka, topic);
  return messages.map((message) => JSON.parse(message.value?.toString() ?? 'null') as T);
}

/** `readTopicToEnd`'s messages as they are: key, value bytes and headers. */
export async function readMessagesToEnd(kafka: Kafka, topic: string): Promise<KafkaMessage[]> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map(
    (await admin.fetchTopicOffsets(topic)).map(({ partition, high }) => [partition, BigInt(high)]),
  );
  await admin.disconnect();
  const values: KafkaMessage[] = [];
  const done = new Set([...ends].filter(([, end]) => end === 0n).map(([partition]) => partition));
  if (done.size === ends.size) return values;
  const consumer = kafka.consumer({ groupId: uniqueName('reader'), maxWaitTimeInMs: 100 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${topic} not read to its end within 60 s: ${values.length} values`)),
        60_000,
      );
      const reached = (partition: number, lastOffset: string): void => {
        if (BigInt(lastOffset) + 1n >= (ends.get(partition) ?? 0n)) done.add(partition);
        if (done.size < ends.size) return;
        clearTimeout(timer);
        resolve();
      };
      // A batch of nothing but markers reaches only this event, not eachBatch.
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) =>
        reached(payload.partition, payload.lastOffset),
      );
      consumer
        .run({
          eachBatch: async ({ batch }) => {
            for (const message of batch.messages) values.push(message);
            reached(batch.partition, batch.lastOffset());
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return values;
}
