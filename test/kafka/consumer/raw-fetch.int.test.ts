import { CompressionTypes } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { registerCodecs } from '../../../src/codecs/index.ts';
import { runCli } from '../../support/cli.ts';
import { readJsonLines, totals } from '../../support/files.ts';
import { committedOffsets, sharedClients, testBrokers, testKafka, uniqueName } from '../../support/kafka.ts';
import { tempDirs } from '../../support/temp-dirs.ts';

// The producer writes snappy, LZ4 and zstd with Sluice's codecs (kafkajs ships gzip only).
registerCodecs();
const kafka = sharedClients('raw-fetch-test');
const tempDir = tempDirs('sluice-raw-fetch');

async function createTopic(partitions: number, configEntries: { name: string; value: string }[] = []) {
  const topic = uniqueName('raw');
  await kafka.admin.createTopics({
    topics: [{ topic, numPartitions: partitions, configEntries }],
    waitForLeaders: true,
  });
  return topic;
}

function wordCount(topic: string, dir: string, extra: Record<string, string> = {}) {
  return runCli(['run', 'examples/word-count.ts'], {
    SLUICE_BROKERS: testBrokers().join(','),
    SLUICE_TOPICS: topic,
    SLUICE_GROUP_ID: uniqueName('raw'),
    SLUICE_VALUE_FORMAT: 'string',
    SLUICE_TRIGGER: 'available-now',
    SLUICE_WORKERS: '2',
    SLUICE_LOG_LEVEL: 'warn',
    WORD_COUNT_DIR: dir,
    ...extra,
  });
}

describe('the raw fetch path against the broker', () => {
  it('reads committed transactions only (read_committed), and commits past the markers', async () => {
    const topic = await createTopic(1);
    const producer = testKafka('raw-fetch-tx').producer({
      transactionalId: uniqueName('tx'),
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    try {
      const inTransaction = async (values: string[], commit: boolean) => {
        const transaction = await producer.transaction();
        await transaction.send({ topic, messages: values.map((value) => ({ value })) });
        await (commit ? transaction.commit() : transaction.abort());
      };
      await inTransaction(['kept kept', 'kept'], true);
      await inTransaction(['aborted', 'aborted aborted'], false);
      await inTransaction(['late'], true);
      await inTransaction(['aborted'], false);
    } finally {
      await producer.disconnect();
    }
    await kafka.producer.send({ topic, messages: [{ value: 'plain' }] });
    // Offsets: 0-1 kept, 2 commit marker, 3-4 aborted, 5 abort marker, 6 late, 7 marker, 8 aborted,
    // 9 marker, 10 plain: 11 in all.
    const dir = tempDir();
    const groupId = uniqueName('raw');
    const result = await wordCount(topic, dir, { SLUICE_GROUP_ID: groupId });
    expect(result.code).toBe(0);
    expect(totals(readJsonLines<[string, number]>(dir))).toEqual({ kept: 3, late: 1, plain: 1 });
    expect(await committedOffsets(kafka.admin, groupId, topic)).toEqual(['11']);
  });

  it('ends an available-now run whose last offsets are transaction markers, committed past them', async () => {
    const topic = await createTopic(1);
    const producer = testKafka('raw-fetch-tx-end').producer({
      transactionalId: uniqueName('tx'),
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    try {
      for (const commit of [true, false]) {
        const transaction = await producer.transaction();
        await transaction.send({ topic, messages: [{ value: commit ? 'kept' : 'aborted' }] });
        await (commit ? transaction.commit() : transaction.abort());
      }
    } finally {
      await producer.disconnect();
    }
    // 0 kept, 1 its commit marker, 2 aborted, 3 its abort marker: the log ends at 4.
    const dir = tempDir();
    const groupId = uniqueName('raw');
    const result = await wordCount(topic, dir, { SLUICE_GROUP_ID: groupId });
    expect(result.code).toBe(0);
    expect(totals(readJsonLines<[string, number]>(dir))).toEqual({ kept: 1 });
    expect(await committedOffsets(kafka.admin, groupId, topic)).toEqual(['4']);
  });

  it('fetches records larger than the fetch limits, of every partition (KIP-74)', async () => {
    const topic = await createTopic(3);
    const big = (word: string) => `${word} ${'x'.repeat(200_000)}`;
    await kafka.producer.send({
      topic,
      acks: -1,
      messages: [0, 1, 2].flatMap((partition) => [
        { partition, value: `small${partition}` },
        { partition, value: big(`big${partition}`) },
        { partition, value: `after${partition}` },
      ]),
    });
    const dir = tempDir();
    const result = await wordCount(topic, dir, {
      SLUICE_MAX_PARTITION_FETCH_BYTES: '1024',
      SLUICE_FETCH_MAX_BYTES: '2048',
    });
    expect(result.code).toBe(0);
    const counts = totals(readJsonLines<[string, number]>(dir));
    const words = Object.fromEntries(Object.entries(counts).filter(([word]) => !word.startsWith('xxx')));
    expect(words).toEqual({
      small0: 1,
      small1: 1,
      small2: 1,
      big0: 1,
      big1: 1,
      big2: 1,
      after0: 1,
      after1: 1,
      after2: 1,
    });
    expect(counts['x'.repeat(200_000)]).toBe(3);
  });

  it('reads every codec a producer writes, in one topic', async () => {
    const topic = await createTopic(1);
    for (const [name, compression] of Object.entries({
      none: CompressionTypes.None,
      gzip: CompressionTypes.GZIP,
      snappy: CompressionTypes.Snappy,
      lz4: CompressionTypes.LZ4,
      zstd: CompressionTypes.ZSTD,
    })) {
      await kafka.producer.send({
        topic,
        compression,
        messages: Array.from({ length: 50 }, () => ({ value: `${name} ${name}` })),
      });
    }
    const dir = tempDir();
    expect((await wordCount(topic, dir)).code).toBe(0);
    expect(totals(readJsonLines<[string, number]>(dir))).toEqual({
      none: 100,
      gzip: 100,
      snappy: 100,
      lz4: 100,
      zstd: 100,
    });
  });
});
