// A compressed batch that does not decompress, on a real broker. The broker validates compressed
// batches on produce (a corrupt one is refused), so the test writes good LZ4 batches and then
// corrupts one in the partition's segment file, as a bad disk would; the broker serves segment
// bytes as they are. First what kafkajs alone does with it, then Sluice under each decode policy:
// the slot checks the batch's CRC-32C (a bad disk) and decompresses it (a batch whose checksum holds
// but whose payload is bad, as a producer's bug would leave it), and either way each of the batch's
// offsets is a decode error, never a crash loop.
import kafkajs, { CompressionTypes, logLevel } from 'kafkajs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { registerCodecs } from '../../src/codecs/index.ts';
import { DLQ_HEADERS } from '../../src/kafka/index.ts';
import { runCli } from '../support/cli.ts';
import { readJsonLines, totals } from '../support/files.ts';
import { sharedClients, testBrokers, testKafka, uniqueName } from '../support/kafka.ts';
import { logLines } from '../support/logs.ts';
import { brokerLogDir, overwritePayload, rewriteCrc, storedBatches } from '../support/segments.ts';
import { tempDirs } from '../support/temp-dirs.ts';

registerCodecs();
const kafka = sharedClients('corrupt-batch-test');
const tempDir = tempDirs('sluice-corrupt');
const codecs = kafkajs.CompressionCodecs as Record<number, () => unknown>;
const guardedLz4 = codecs[CompressionTypes.LZ4];

let logDir = '';

beforeAll(async () => {
  logDir = await brokerLogDir(kafka.admin);
});

afterEach(() => {
  if (guardedLz4) codecs[CompressionTypes.LZ4] = guardedLz4;
});

/**
 * Three LZ4 batches of ten lines each: offsets 0–9 say "good", 10–19 "lost", 20–29 "after".
 * `crc`: the middle batch's checksum is rewritten to hold for its damaged bytes.
 */
async function topicWithCorruptMiddleBatch(recordCount?: number, crc = false): Promise<string> {
  const topic = uniqueName('corrupt-lz4');
  await kafka.admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  for (const word of ['good', 'lost', 'after']) {
    await kafka.producer.send({
      topic,
      acks: -1,
      compression: CompressionTypes.LZ4,
      messages: Array.from({ length: 10 }, (_, i) => ({ value: `${word} ${i}` })),
    });
  }
  corruptBatch(topic, 10n, recordCount, crc);
  return topic;
}

/** Zeroes the LZ4 frame magic (the payload's first 4 bytes) of the batch at `baseOffset`. */
function corruptBatch(
  topic: string,
  baseOffset: bigint,
  recordCount: number | undefined,
  crc: boolean,
): void {
  const batches = storedBatches(logDir, topic, 0);
  expect(batches.map((batch) => [batch.baseOffset, batch.records, batch.codec])).toEqual([
    [0n, 10, CompressionTypes.LZ4],
    [10n, 10, CompressionTypes.LZ4],
    [20n, 10, CompressionTypes.LZ4],
  ]);
  const batch = batches.find((stored) => stored.baseOffset === baseOffset);
  if (!batch) throw new Error(`no batch at offset ${baseOffset}`);
  overwritePayload(logDir, topic, 0, batch, Buffer.alloc(4));
  // The record count is the header's last field, just before the payload.
  if (recordCount !== undefined) {
    const count = Buffer.alloc(4);
    count.writeInt32BE(recordCount);
    overwritePayload(logDir, topic, 0, batch, count, -4);
  }
  if (crc) rewriteCrc(logDir, topic, 0, batch);
}

function runEnv(topic: string, groupId: string, dir: string, policy: string): Record<string, string> {
  return {
    SLUICE_BROKERS: testBrokers().join(','),
    SLUICE_TOPICS: topic,
    SLUICE_GROUP_ID: groupId,
    SLUICE_VALUE_FORMAT: 'string',
    SLUICE_TRIGGER: 'available-now',
    SLUICE_WORKERS: '1',
    SLUICE_LOG_LEVEL: 'warn',
    SLUICE_ON_DECODE_ERROR: policy,
    WORD_COUNT_DIR: dir,
    ...(process.env.SLUICE_NATIVE ? { SLUICE_NATIVE: process.env.SLUICE_NATIVE } : {}),
  };
}

async function committed(groupId: string, topic: string): Promise<string | undefined> {
  const [entry] = await kafka.admin.fetchOffsets({ groupId, topics: [topic] });
  return entry?.partitions[0]?.offset;
}

const LOST = (topic: string, offset: number): string =>
  `cannot decode record at topic ${topic}, partition 0, offset ${offset}: corrupt record batch ${topic}-0 at offsets 10-19 (lz4): CRC-32C mismatch`;

describe('a corrupt LZ4 batch in the log', () => {
  it('kafkajs alone: the codec error fails the whole fetch, and the consumer restarts on it forever', async () => {
    const topic = await topicWithCorruptMiddleBatch();
    const { lz4Codec } = await import('../../src/codecs/codec-lz4.ts');
    const unguarded = lz4Codec();
    codecs[CompressionTypes.LZ4] = () => unguarded;
    const client = new kafkajs.Kafka({
      clientId: 'corrupt-plain',
      brokers: testBrokers(),
      logLevel: logLevel.NOTHING,
      retry: { retries: 1, initialRetryTime: 50, maxRetryTime: 100 },
    });
    const consumer = client.consumer({ groupId: uniqueName('plain'), maxWaitTimeInMs: 100 });
    const restarts: boolean[] = [];
    const crashes: string[] = [];
    const crashed: boolean[] = [];
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      crashes.push(`${payload.error.message.slice(0, 300)} (restart: ${payload.restart})`);
      crashed.push(payload.restart);
      // On a fresh broker the first crash can be a coordinator still loading; count codec crashes.
      if (/LZ4|frame|magic/i.test(payload.error.message)) restarts.push(payload.restart);
    });
    const received: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void received.push(String(message.value)) });
    // A hang guard, not a speed limit: beside a CPU hog the first codec crash took over 45 s.
    const deadline = Date.now() + 150_000;
    // A crash kafkajs does not restart from (restart: false) ends the wait: nothing more will come.
    const stopped = () => crashed.some((restart) => !restart);
    while (restarts.length < 3 && !stopped() && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    await consumer.disconnect();
    // Three crashes, each followed by a restart; the good batch before the bad one, fetched in the
    // same response, never arrives either.
    expect(restarts.slice(0, 3), `crashes: ${crashes.slice(0, 5).join(' | ')}`).toEqual([true, true, true]);
    expect(received).toEqual([]);
  }, 180_000);

  it('fail: stops with exit 1 naming topic, partition, offset and the batch; commits nothing', async () => {
    const topic = await topicWithCorruptMiddleBatch();
    const groupId = uniqueName('corrupt-fail');
    const result = await runCli(['run', 'examples/word-count.ts'], runEnv(topic, groupId, tempDir(), 'fail'));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`SLUICE_DECODE: ${LOST(topic, 10)}`);
    expect(await committed(groupId, topic)).toBe('-1');
  });

  it('skip: counts the 10 lost records, processes the 20 good ones on both sides, commits past the batch', async () => {
    const topic = await topicWithCorruptMiddleBatch();
    const groupId = uniqueName('corrupt-skip');
    const dir = tempDir();
    const result = await runCli(['run', 'examples/word-count.ts'], runEnv(topic, groupId, dir, 'skip'));
    expect(result.code).toBe(0);
    const counts = totals(readJsonLines<[string, number]>(dir));
    expect(counts).toEqual({
      good: 10,
      after: 10,
      ...Object.fromEntries(Array.from({ length: 10 }, (_, i) => [String(i), 2])),
    });
    expect(result.stderr).toContain('records that could not be decoded');
    expect(result.stderr).toContain('"count":10');
    expect(await committed(groupId, topic)).toBe('30');
  });

  it('a checksum that holds, a payload that does not decompress and a header that lies (11 records in 10 offsets): its 10 offsets are lost, the rest goes on', async () => {
    const topic = await topicWithCorruptMiddleBatch(11, true);
    const groupId = uniqueName('corrupt-header');
    const dir = tempDir();
    const result = await runCli(['run', 'examples/word-count.ts'], runEnv(topic, groupId, dir, 'skip'));
    expect(result.code).toBe(0);
    expect(totals(readJsonLines<[string, number]>(dir))).toEqual({
      good: 10,
      after: 10,
      ...Object.fromEntries(Array.from({ length: 10 }, (_, i) => [String(i), 2])),
    });
    const skipped = logLines(result.stderr).filter((line) => line.msg.includes('could not be decoded'));
    expect(skipped).toHaveLength(1);
    expect(JSON.stringify(skipped[0])).toContain('"count":10');
    expect(JSON.stringify(skipped[0])).toContain(`corrupt record batch ${topic}-0 at offsets 10-19 (lz4): `);
    expect(await committed(groupId, topic)).toBe('30');
  });

  it('dlq: one dead letter per lost offset, with its origin and the reason in headers', async () => {
    const topic = await topicWithCorruptMiddleBatch(undefined, true);
    const dlq = uniqueName('corrupt-dlq');
    await kafka.admin.createTopics({ topics: [{ topic: dlq, numPartitions: 1 }], waitForLeaders: true });
    const groupId = uniqueName('corrupt-dlq');
    const dir = tempDir();
    const env = { ...runEnv(topic, groupId, dir, 'dlq'), SLUICE_DLQ_TOPIC: dlq };
    const result = await runCli(['run', 'examples/word-count.ts'], env);
    expect(result.code).toBe(0);
    expect(totals(readJsonLines<[string, number]>(dir))).toMatchObject({ good: 10, after: 10 });
    expect(await committed(groupId, topic)).toBe('30');

    const consumer = testKafka('corrupt-dlq-read').consumer({
      groupId: uniqueName('read'),
      maxWaitTimeInMs: 100,
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [dlq], fromBeginning: true });
    const letters: { offset: string; error: string; topic: string }[] = [];
    await consumer.run({
      eachMessage: async ({ message }) =>
        void letters.push({
          topic: String(message.headers?.[DLQ_HEADERS.topic]),
          offset: String(message.headers?.[DLQ_HEADERS.offset]),
          error: String(message.headers?.[DLQ_HEADERS.error]),
        }),
    });
    const lettersDeadline = Date.now() + 150_000;
    while (letters.length < 10 && Date.now() < lettersDeadline) await new Promise((r) => setTimeout(r, 50));
    await consumer.disconnect();
    expect(letters.map((letter) => letter.offset)).toEqual(
      Array.from({ length: 10 }, (_, i) => String(10 + i)),
    );
    for (const letter of letters) {
      expect(letter.topic).toBe(topic);
      expect(letter.error).toMatch(/^corrupt record batch .+-0 at offsets 10-19 \(lz4\): .*decompress/);
    }
  }, 180_000);
});
