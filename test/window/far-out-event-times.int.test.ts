import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';
import { startCollecting } from '../support/collect.ts';
import { readJsonLines } from '../support/files.ts';
import { availableNowEnv, committedOffsets, sharedClients, testKafka, uniqueName } from '../support/kafka.ts';
import { logged } from '../support/logs.ts';
import { type Placed, poisonOrigins, produceInOrder } from '../support/poison.ts';
import { random } from '../support/random.ts';
import { tempDirs } from '../support/temp-dirs.ts';
import { sortRows, type TimedKey, type WindowRow, windowCounts } from '../support/window-oracle.ts';

const kafka = sharedClients('far-out-event-times-test');
const tempDir = tempDirs('sluice-far-out');

const PARTITIONS = 4;
const VALID = 100_000;
const URLS = 40;
const START = 1767225600000; // 2026-01-01T00:00:00Z
const SIZE_MS = 10_000;
const SLIDE_MS = 2_000;
const AHEAD_LIMIT_MS = 3_600_000;

/**
 * Event times no window loop may step through: past the safe integers (1e20, a nanosecond time),
 * not a time at all (-1e300), and a sane number years ahead of the clock that only the guard stops.
 */
const farOut = (now: number): string[] => [
  '{"url":"/far","ts":1e20}',
  '{"url":"/far","ts":-1e300}',
  '{"url":"/far","ts":1767225601000000000}',
  `{"url":"/far","ts":${now + 5 * 365 * 86_400_000}}`,
];

describe('an event-time sliding window over records with far-out event times', () => {
  const valid: TimedKey[] = [];
  let topic = '';
  let partitions: Placed[][] = [];

  beforeAll(async () => {
    const next = random(21);
    const values: Placed[][] = Array.from({ length: PARTITIONS }, () => []);
    // Each partition's event times rise, so no valid record is late: the oracle is every record.
    for (let i = 0; i < VALID; i++) {
      const record = { key: `/page/${Math.floor(next() * URLS)}`, time: START + i * 10 };
      valid.push(record);
      const value = Buffer.from(JSON.stringify({ url: record.key, ts: record.time }));
      (values[i % PARTITIONS] as Placed[]).push({ value });
    }
    for (const [n, bad] of farOut(Date.now()).entries()) {
      for (let copy = 0; copy < 3; copy++) {
        const records = values[(n + copy) % PARTITIONS] as Placed[];
        records.splice(Math.floor(next() * records.length), 0, { value: Buffer.from(bad), poison: bad });
      }
    }
    partitions = values;
    topic = uniqueName('far-out');
    await kafka.admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
    await produceInOrder(kafka.producer, topic, partitions);
  }, 240_000);

  it('completes, every window equals a brute-force oracle, and the far-out records are dead-lettered', async () => {
    const dlq = uniqueName('far-out-dlq');
    await kafka.admin.createTopics({ topics: [{ topic: dlq, numPartitions: 1 }], waitForLeaders: true });
    const groupId = uniqueName('far-out-agg');
    const dir = tempDir();

    const result = await runCli(['run'], {
      ...availableNowEnv(topic, groupId),
      SLUICE_SINK: `file:${dir}`,
      SLUICE_TIME: 'event',
      SLUICE_TIMESTAMP_FIELD: 'ts',
      SLUICE_WINDOW_MS: String(SIZE_MS),
      SLUICE_SLIDE_MS: String(SLIDE_MS),
      SLUICE_MAX_EVENT_TIME_AHEAD_MS: String(AHEAD_LIMIT_MS),
      SLUICE_ON_DECODE_ERROR: 'dlq',
      SLUICE_DLQ_TOPIC: dlq,
      SLUICE_WORKERS: '2',
      SLUICE_LOG_LEVEL: 'info',
    });

    expect(result.code, result.stderr).toBe(0);
    const rows = sortRows(readJsonLines<WindowRow>(dir));
    expect(rows).toEqual(windowCounts(valid, SIZE_MS, SLIDE_MS));
    expect(await committedOffsets(kafka.admin, groupId, topic)).toEqual(
      partitions.map((records) => String(records.length)),
    );
    const injected = poisonOrigins(partitions);
    const [finished] = logged(result.stderr, 'sluice finished');
    expect(finished?.decodeErrors).toBe(injected.length);
    expect(finished?.late).toBe(0);

    const consumer = testKafka('far-out-dlq-reader').consumer({ groupId: uniqueName('far-out-dlq-reader') });
    await consumer.connect();
    await consumer.subscribe({ topic: dlq, fromBeginning: true });
    const inbox = await startCollecting(consumer);
    const letters = await inbox.waitFor(injected.length, 60_000);
    await consumer.disconnect();
    const [offsets] = await kafka.admin.fetchTopicOffsets(dlq);
    expect(Number(offsets?.high)).toBe(injected.length);
    const origin = (headers: Record<string, unknown> | undefined): string =>
      `${String(headers?.['sluice.origin.partition'])}/${String(headers?.['sluice.origin.offset'])}`;
    expect(letters.map(({ message }) => origin(message.headers)).sort()).toEqual([...injected].sort());
    for (const { message } of letters) {
      const [partition, offset] = origin(message.headers).split('/').map(Number) as [number, number];
      expect(String(message.value)).toBe(String(partitions[partition]?.[offset]?.value));
    }
  }, 300_000);
});
