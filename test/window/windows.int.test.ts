import { describe, expect, it } from 'vitest';
import { DLQ_HEADERS } from '../../src/kafka/index.ts';
import { runCli } from '../support/cli.ts';
import { type Received, readWholeTopic } from '../support/collect.ts';
import { readJsonLines } from '../support/files.ts';
import { sharedClients, testBrokers, testKafka, uniqueName } from '../support/kafka.ts';
import { finishedSummary, logged } from '../support/logs.ts';
import { random } from '../support/random.ts';
import { tempDirs } from '../support/temp-dirs.ts';
import {
  type LateVerdict,
  lateInOnePartition,
  sortRows,
  type TimedKey,
  type WindowRow,
  windowCounts,
} from '../support/window-oracle.ts';

const kafka = sharedClients('windows-test');
const tempDir = tempDirs('sluice-windows');

/** Event times in a JSON field are free; 2025-01-01, a multiple of every window here. */
const FIELD_BASE = Date.UTC(2025, 0, 1);
/**
 * Kafka record timestamps must be ones the broker keeps: not over an hour ahead
 * (log.message.timestamp.after.max.ms) nor older than retention. Ten minutes ago, on a minute.
 */
const KAFKA_BASE = Math.floor((Date.now() - 600_000) / 60_000) * 60_000;

const PARTITIONS = 4;
const PER_PARTITION = 40;
const STEP_MS = 500;
const JITTER_MS = 3_000;
const KEYS = ['/a', '/b', '/c'] as const;
/** Late records among the 60 of the `count` case (seed 5): fixed by the data, checked by the oracle. */
const LATE_COUNT = 25;

type Produced = TimedKey & { readonly partition: number };
type TimeSource = 'field' | 'kafka';

async function createTopic(partitions: number): Promise<string> {
  const topic = uniqueName('events');
  await kafka.admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
  return topic;
}

function recordValue(record: TimedKey, source: TimeSource): string {
  return JSON.stringify(source === 'field' ? { url: record.key, ts: record.time } : { url: record.key });
}

async function send(topic: string, records: readonly Produced[], source: TimeSource): Promise<void> {
  await kafka.producer.send({
    topic,
    acks: -1,
    messages: records.map((record) => ({
      partition: record.partition,
      value: recordValue(record, source),
      ...(source === 'kafka' ? { timestamp: String(record.time) } : {}),
    })),
  });
}

/**
 * Each partition runs ahead in steps of STEP_MS, and every record lies less than JITTER_MS behind
 * its nominal time. So a record is never more than JITTER_MS older than the largest event time
 * before it in its partition: with that allowed lateness no record can be late, however Kafka
 * cuts the batches, while the watermark still moves and closes windows during the run.
 */
function outOfOrder(seed: number, base: number): Produced[] {
  const next = random(seed);
  const records: Produced[] = [];
  for (let partition = 0; partition < PARTITIONS; partition++) {
    for (let i = 0; i < PER_PARTITION; i++) {
      const nominal = base + partition * 1_700 + i * STEP_MS;
      const key = KEYS[Math.floor(next() * KEYS.length)] as string;
      records.push({ partition, key, time: nominal - Math.floor(next() * JITTER_MS) });
    }
  }
  return records;
}

/** Records older than an earlier record of their partition: proof the data is out of order. */
function inversions(records: readonly Produced[]): number {
  const max = new Map<number, number>();
  let count = 0;
  for (const { partition, time } of records) {
    if (time < (max.get(partition) ?? Number.NEGATIVE_INFINITY)) count++;
    max.set(partition, Math.max(time, max.get(partition) ?? time));
  }
  return count;
}

function windowEnv(topic: string, extra: Record<string, string>): Record<string, string> {
  return {
    SLUICE_BROKERS: testBrokers().join(','),
    SLUICE_TOPICS: topic,
    SLUICE_GROUP_ID: uniqueName('windows'),
    SLUICE_TRIGGER: 'available-now',
    SLUICE_WORKERS: '2',
    SLUICE_TIME: 'event',
    SLUICE_AGG: 'count',
    SLUICE_LOG_LEVEL: 'info',
    ...extra,
  };
}

/** The run summary's fields these tests check. */
const WITH_BATCHES = ['batches', 'records', 'decodeErrors', 'late'];

/** Every message the topic holds once the writer is done: exactly up to its end offsets. */
function readTopic(topic: string): Promise<Received[]> {
  return readWholeTopic(kafka.admin, testKafka('windows-reader'), topic, uniqueName('reader'));
}

describe('event-time windows of the aggregate job on a 4-partition topic', () => {
  it('tumbling counts by a JSON time field equal the oracle: every window and key, once', async () => {
    const topic = await createTopic(PARTITIONS);
    const records = outOfOrder(11, FIELD_BASE);
    expect(inversions(records)).toBeGreaterThan(20);
    await send(topic, records, 'field');
    const dir = tempDir();

    const result = await runCli(
      ['run'],
      windowEnv(topic, {
        SLUICE_WINDOW_MS: '10000',
        SLUICE_TIMESTAMP_FIELD: 'ts',
        SLUICE_ALLOWED_LATENESS_MS: String(JITTER_MS),
        SLUICE_MAX_RECORDS_PER_BATCH: '4',
        SLUICE_SINK: `file:${dir}`,
      }),
    );

    expect(result.code).toBe(0);
    expect(finishedSummary(result.stderr, WITH_BATCHES)).toMatchObject({
      records: 160,
      decodeErrors: 0,
      late: 0,
    });
    expect(logged(result.stderr, 'late records: older than the watermark')).toEqual([]);
    expect(sortRows(readJsonLines<WindowRow>(dir))).toEqual(windowCounts(records, 10_000));
  });

  it('sliding counts by the Kafka record timestamp, written to a Kafka topic, equal the oracle', async () => {
    const topic = await createTopic(PARTITIONS);
    const output = await createTopic(3);
    const records = outOfOrder(23, KAFKA_BASE);
    expect(inversions(records)).toBeGreaterThan(20);
    await send(topic, records, 'kafka');

    const result = await runCli(
      ['run'],
      windowEnv(topic, {
        SLUICE_WINDOW_MS: '10000',
        SLUICE_SLIDE_MS: '2000',
        SLUICE_ALLOWED_LATENESS_MS: String(JITTER_MS),
        SLUICE_MAX_RECORDS_PER_BATCH: '3',
        SLUICE_SINK: `kafka:${output}`,
      }),
    );

    expect(result.code).toBe(0);
    expect(finishedSummary(result.stderr, WITH_BATCHES)).toMatchObject({
      records: 160,
      decodeErrors: 0,
      late: 0,
    });
    expect(logged(result.stderr, 'late records: older than the watermark')).toEqual([]);
    const messages = await readTopic(output);
    const rows = messages.map(({ message }) => JSON.parse(String(message.value)) as WindowRow);
    expect(messages.map(({ message }) => String(message.key))).toEqual(rows.map((row) => row.key));
    expect(sortRows(rows)).toEqual(windowCounts(records, 10_000, 2_000));
  });
});

describe('late records of event-time windows, one record per batch', () => {
  // One partition, one record per batch: record i runs with the watermark left by records 0..i-1,
  // whatever Kafka's timing. With more partitions the watermark would wait on the slowest one's
  // fetches, and which records are late would depend on them.
  const dlqCase: readonly (readonly [at: number, key: string])[] = [
    [1_000, 'a'],
    [4_000, 'b'],
    [2_500, 'a'], // late, though its window [0, 10000) is still open
    [4_000, 'a'], // equal to the watermark: on time
    [12_000, 'b'],
    [9_000, 'a'], // late: [0, 10000) fired at the start of this batch
    [15_000, 'a'],
    [11_000, 'b'],
    [25_000, 'a'],
    [19_999, 'b'],
    [20_000, 'a'],
    [26_000, 'b'],
    [3_000, 'c'],
    [29_999, 'c'],
  ];

  it('dlq: counts the late records, dead-letters exactly them with origin and reason, aggregates the rest', async () => {
    const topic = await createTopic(1);
    const dlq = await createTopic(1);
    const records = dlqCase.map(([at, key]): Produced => ({ partition: 0, key, time: FIELD_BASE + at }));
    await send(topic, records, 'field');
    const dir = tempDir();

    const result = await runCli(
      ['run'],
      windowEnv(topic, {
        SLUICE_WINDOW_MS: '10000',
        SLUICE_TIMESTAMP_FIELD: 'ts',
        SLUICE_ALLOWED_LATENESS_MS: '0',
        SLUICE_MAX_RECORDS_PER_BATCH: '1',
        SLUICE_ON_LATE_RECORD: 'dlq',
        SLUICE_DLQ_TOPIC: dlq,
        SLUICE_SINK: `file:${dir}`,
      }),
    );

    expect(result.code).toBe(0);
    const lateAt = (index: number, at: number, watermark: number): LateVerdict => ({
      index,
      eventTime: FIELD_BASE + at,
      watermark: FIELD_BASE + watermark,
    });
    const expectedLate = [
      lateAt(2, 2_500, 4_000),
      lateAt(5, 9_000, 12_000),
      lateAt(7, 11_000, 15_000),
      lateAt(9, 19_999, 25_000),
      lateAt(10, 20_000, 25_000),
      lateAt(12, 3_000, 26_000),
    ];
    expect(
      lateInOnePartition(
        records.map((record) => record.time),
        0,
      ),
    ).toEqual(expectedLate);
    // 14 batches of one record, then the end-of-input batch that closes every window.
    expect(finishedSummary(result.stderr, WITH_BATCHES)).toEqual({
      batches: 15,
      records: 14,
      decodeErrors: 0,
      late: 6,
    });

    const dead = await readTopic(dlq);
    expect(
      dead.map(({ message }) => ({
        key: message.key,
        value: String(message.value),
        headers: Object.fromEntries(
          Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value)]),
        ),
      })),
    ).toEqual(
      expectedLate.map(({ index, eventTime, watermark }) => ({
        key: null,
        value: recordValue(records[index] as Produced, 'field'),
        headers: {
          [DLQ_HEADERS.topic]: topic,
          [DLQ_HEADERS.partition]: '0',
          [DLQ_HEADERS.offset]: String(index),
          [DLQ_HEADERS.error]: `late record: event time ${eventTime} is older than the watermark ${watermark}`,
        },
      })),
    );

    const lateIndexes = new Set(expectedLate.map((verdict) => verdict.index));
    const onTime = records.filter((_, index) => !lateIndexes.has(index));
    expect(sortRows(readJsonLines<WindowRow>(dir))).toEqual(windowCounts(onTime, 10_000));
  });

  it('count: with allowed lateness, logs each late record with its origin and aggregates the rest', async () => {
    const lateness = 2_000;
    const topic = await createTopic(1);
    const next = random(5);
    const records = Array.from(
      { length: 60 },
      (_, i): Produced => ({
        partition: 0,
        key: KEYS[Math.floor(next() * KEYS.length)] as string,
        time: KAFKA_BASE + i * 400 - Math.floor(next() * 8_000),
      }),
    );
    const late = lateInOnePartition(
      records.map((record) => record.time),
      lateness,
    );
    expect(late).toHaveLength(LATE_COUNT);
    await send(topic, records, 'kafka');
    const dir = tempDir();

    const result = await runCli(
      ['run'],
      windowEnv(topic, {
        SLUICE_WINDOW_MS: '10000',
        SLUICE_SLIDE_MS: '5000',
        SLUICE_ALLOWED_LATENESS_MS: String(lateness),
        SLUICE_MAX_RECORDS_PER_BATCH: '1',
        SLUICE_SINK: `file:${dir}`,
      }),
    );

    expect(result.code).toBe(0);
    expect(finishedSummary(result.stderr, WITH_BATCHES)).toEqual({
      batches: 61,
      records: 60,
      decodeErrors: 0,
      late: LATE_COUNT,
    });
    // One record per batch, so each late one has its own warning, sampled whole.
    expect(
      logged(result.stderr, 'late records: older than the watermark').map(
        ({ late, perPartition, sample }) => ({
          late,
          perPartition,
          sample,
        }),
      ),
    ).toEqual(
      late.map(({ index, eventTime, watermark }) => ({
        late: 1,
        perPartition: [{ topic, partition: 0, count: 1 }],
        sample: [{ topic, partition: 0, offset: String(index), eventTime, watermark }],
      })),
    );
    const lateIndexes = new Set(late.map((verdict) => verdict.index));
    const onTime = records.filter((_, index) => !lateIndexes.has(index));
    expect(sortRows(readJsonLines<WindowRow>(dir))).toEqual(windowCounts(onTime, 10_000, 5_000));
  });
});
