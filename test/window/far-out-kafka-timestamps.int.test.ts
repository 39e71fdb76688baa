import { describe, expect, it } from 'vitest';
import { DLQ_HEADERS } from '../../src/kafka/index.ts';
import { runCli } from '../support/cli.ts';
import { readWholeTopic } from '../support/collect.ts';
import { readJsonLines } from '../support/files.ts';
import { sharedClients, testBrokers, testKafka, uniqueName } from '../support/kafka.ts';
import { type LogLine, logged } from '../support/logs.ts';
import { tempDirs } from '../support/temp-dirs.ts';
import { sortRows, type TimedKey, type WindowRow, windowCounts } from '../support/window-oracle.ts';

// Kafka keeps record timestamps far in the past (log.message.timestamp.before.max.ms is unlimited
// by default): an int64 beyond 2^53 used to reach the job rounded, and one far ahead (up to the
// broker's hour) dragged the watermark past every real record, which then all came late.

const kafka = sharedClients('far-out-kafka-timestamps-test');
const tempDir = tempDirs('sluice-far-out');

/** Ten minutes ago, on a minute: a time the broker keeps. */
const BASE = Math.floor((Date.now() - 600_000) / 60_000) * 60_000;
const AHEAD_LIMIT_MS = 60_000;

describe('far-out Kafka record timestamps through an event-time sliding window', () => {
  it('are dead-lettered with their reason; the watermark and every window ignore them', async () => {
    const topic = uniqueName('far-out');
    const dlq = uniqueName('far-out-dlq');
    await kafka.admin.createTopics({
      topics: [
        { topic, numPartitions: 1 },
        { topic: dlq, numPartitions: 1 },
      ],
      waitForLeaders: true,
    });
    const ahead = String(Date.now() + 30 * 60_000);
    const bad = [
      // First, so that had it moved the watermark every valid record would be late.
      {
        timestamp: ahead,
        error:
          /^withWatermark: the event time \d+ \(.+\) is \d+ ms ahead of the batch time \d+; SLUICE_MAX_EVENT_TIME_AHEAD_MS allows 60000$/,
      },
      {
        timestamp: '-9007199254740993',
        error:
          /^the Kafka timestamp lies beyond ±9007199254740991 ms, where a number cannot hold it exactly$/,
      },
      {
        timestamp: '-1000000000000000000',
        error:
          /^the Kafka timestamp lies beyond ±9007199254740991 ms, where a number cannot hold it exactly$/,
      },
      {
        timestamp: '-8700000000000000',
        error:
          /^withWatermark: the event time must be epoch milliseconds within the range of a Date \(±8\.64e15\); got -8700000000000000$/,
      },
    ];
    const valid: TimedKey[] = Array.from({ length: 12 }, (_, i) => ({
      key: i % 3 === 0 ? '/b' : '/a',
      time: BASE + i * 900,
    }));
    const messages = [
      ...bad.slice(0, 1).map(({ timestamp }) => ({ value: JSON.stringify({ url: '/bad' }), timestamp })),
      ...valid
        .slice(0, 6)
        .map(({ key, time }) => ({ value: JSON.stringify({ url: key }), timestamp: String(time) })),
      ...bad.slice(1).map(({ timestamp }) => ({ value: JSON.stringify({ url: '/bad' }), timestamp })),
      ...valid
        .slice(6)
        .map(({ key, time }) => ({ value: JSON.stringify({ url: key }), timestamp: String(time) })),
    ];
    // One batch each: kafkajs writes a batch's timestamp deltas as doubles from its lexically
    // smallest timestamp, so beside -1e18 a valid record's delta (about 1e18) is rounded by up to
    // 64 ms in the log itself, and a record at a window's start could land in the window before.
    for (const message of messages) await kafka.producer.send({ topic, acks: -1, messages: [message] });
    const dir = tempDir();

    const result = await runCli(['run'], {
      SLUICE_BROKERS: testBrokers().join(','),
      SLUICE_TOPICS: topic,
      SLUICE_GROUP_ID: uniqueName('far-out'),
      SLUICE_TRIGGER: 'available-now',
      SLUICE_WORKERS: '1',
      SLUICE_TIME: 'event',
      SLUICE_WINDOW_MS: '10000',
      SLUICE_SLIDE_MS: '2000',
      SLUICE_MAX_RECORDS_PER_BATCH: '2',
      SLUICE_MAX_EVENT_TIME_AHEAD_MS: String(AHEAD_LIMIT_MS),
      SLUICE_ON_DECODE_ERROR: 'dlq',
      SLUICE_DLQ_TOPIC: dlq,
      SLUICE_SINK: `file:${dir}`,
      SLUICE_LOG_LEVEL: 'info',
    });

    expect(result.code).toBe(0);
    const [summary] = logged(result.stderr, 'sluice finished') as LogLine[];
    expect(summary).toMatchObject({ records: messages.length, decodeErrors: bad.length, late: 0 });
    expect(sortRows(readJsonLines<WindowRow>(dir))).toEqual(windowCounts(valid, 10_000, 2_000));

    const dead = await readWholeTopic(kafka.admin, testKafka('far-out-reader'), dlq, uniqueName('reader'));
    const offsets = [0, 7, 8, 9];
    expect(dead).toHaveLength(bad.length);
    dead.forEach(({ message }, i) => {
      const headers = Object.fromEntries(
        Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value)]),
      );
      expect(headers).toMatchObject({
        [DLQ_HEADERS.topic]: topic,
        [DLQ_HEADERS.partition]: '0',
        [DLQ_HEADERS.offset]: String(offsets[i]),
      });
      expect(headers[DLQ_HEADERS.error]).toMatch(bad[i]?.error as RegExp);
    });
  });
});
