import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';
import { startCollecting } from '../support/collect.ts';
import { readJsonLines, totals } from '../support/files.ts';
import { availableNowEnv, committedOffsets, sharedClients, testKafka, uniqueName } from '../support/kafka.ts';
import { logged } from '../support/logs.ts';
import { mixPoison, type Placed, poisonKinds, poisonOrigins, produceInOrder } from '../support/poison.ts';
import { random } from '../support/random.ts';
import { tempDirs } from '../support/temp-dirs.ts';

const kafka = sharedClients('poison-records-test');
const tempDir = tempDirs('sluice-poison');

const PARTITIONS = 4;
const VALID = 100_000;
const URLS = 40;

const injected = poisonKinds().reduce((sum, kind) => sum + kind.count, 0);
const digest = (value: Buffer | null): string =>
  value === null ? 'tombstone' : `${value.length}:${createHash('sha1').update(value).digest('hex')}`;

type Row = { readonly key: string; readonly value: number };

describe('the aggregate job over a topic with ~1 % poison records of every kind', () => {
  const expected: Record<string, number> = {};
  let topic = '';
  let partitions: Placed[][] = [];

  beforeAll(async () => {
    const next = random(15);
    const valid: Buffer[][] = Array.from({ length: PARTITIONS }, () => []);
    for (let i = 0; i < VALID; i++) {
      const url = `/page/${Math.floor(next() * URLS)}`;
      expected[url] = (expected[url] ?? 0) + 1;
      (valid[i % PARTITIONS] as Buffer[]).push(Buffer.from(JSON.stringify({ url, ts: 1767225600000 + i })));
    }
    partitions = mixPoison(valid, 7);
    topic = uniqueName('poison');
    await kafka.admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
    await produceInOrder(kafka.producer, topic, partitions);
  }, 240_000);

  async function run(policy: 'skip' | 'dlq', extra: Record<string, string> = {}) {
    const groupId = uniqueName('poison-agg');
    const dir = tempDir();
    const result = await runCli(['run'], {
      ...availableNowEnv(topic, groupId),
      SLUICE_SINK: `file:${dir}`,
      SLUICE_ON_DECODE_ERROR: policy,
      SLUICE_WORKERS: '2',
      SLUICE_LOG_LEVEL: 'info',
      ...extra,
    });
    const counts = totals(readJsonLines<Row>(dir).map((row) => [row.key, row.value]));
    const ends = partitions.map((records) => String(records.length));
    return { result, counts, committed: await committedOffsets(kafka.admin, groupId, topic), ends };
  }

  it('dlq: exits 0, counts every valid event exactly, and dead-letters exactly the injected records', async () => {
    const dlq = uniqueName('poison-dlq');
    await kafka.admin.createTopics({ topics: [{ topic: dlq, numPartitions: 1 }], waitForLeaders: true });

    const { result, counts, committed, ends } = await run('dlq', { SLUICE_DLQ_TOPIC: dlq });

    expect(result.code, result.stderr).toBe(0);
    expect(counts).toEqual(expected);
    expect(committed).toEqual(ends);
    const [finished] = logged(result.stderr, 'sluice finished');
    expect(finished?.decodeErrors).toBe(injected);

    const [offsets] = await kafka.admin.fetchTopicOffsets(dlq);
    expect(Number(offsets?.high)).toBe(injected);
    const consumer = testKafka('poison-dlq-reader').consumer({ groupId: uniqueName('poison-dlq-reader') });
    await consumer.connect();
    await consumer.subscribe({ topic: dlq, fromBeginning: true });
    const inbox = await startCollecting(consumer);
    const letters = await inbox.waitFor(injected, 120_000);
    await consumer.disconnect();

    const byOrigin = new Map(
      letters.map(({ message }) => {
        const header = (name: string): string => String(message.headers?.[name] ?? '');
        expect(header('sluice.origin.topic')).toBe(topic);
        expect(header('sluice.error').length).toBeGreaterThan(0);
        expect(Buffer.byteLength(header('sluice.error'))).toBeLessThanOrEqual(1024);
        return [`${header('sluice.origin.partition')}/${header('sluice.origin.offset')}`, message.value];
      }),
    );
    const origins = poisonOrigins(partitions);
    expect([...byOrigin.keys()].sort()).toEqual([...origins].sort());
    for (const origin of origins) {
      const [partition, offset] = origin.split('/').map(Number) as [number, number];
      const sent = partitions[partition]?.[offset]?.value ?? null;
      expect(digest(byOrigin.get(origin) ?? null), origin).toBe(digest(sent));
    }
  }, 300_000);

  it('skip: the same counts, and a skip count equal to the injected count', async () => {
    const { result, counts, committed, ends } = await run('skip');

    expect(result.code, result.stderr).toBe(0);
    expect(counts).toEqual(expected);
    expect(committed).toEqual(ends);
    const [finished] = logged(result.stderr, 'sluice finished');
    expect(finished?.decodeErrors).toBe(injected);
  }, 300_000);
});
