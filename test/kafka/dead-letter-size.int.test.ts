// Dead letters larger than the dead-letter topic takes: sent in several produce requests, cut when
// one alone is too large (headers say so), and a topic that cannot be written is one SLUICE_DLQ line.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { DLQ_HEADERS } from '../../src/kafka/index.ts';
import { runCli, startCli } from '../support/cli.ts';
import { startCollecting } from '../support/collect.ts';
import { readJsonLines } from '../support/files.ts';
import { availableNowEnv, committedOffsets, sharedClients, testKafka, uniqueName } from '../support/kafka.ts';
import { tempDirs } from '../support/temp-dirs.ts';

const kafka = sharedClients('dead-letter-size-test');
const tempDir = tempDirs('sluice-dlq-size');

const require = createRequire(import.meta.url);
const Record = require('kafkajs/src/protocol/recordBatch/record/v0') as (record: object) => {
  buffer: Buffer;
};

const KB = 1024;
const valid = (url: string): Input => ({ value: JSON.stringify({ url, bytes: 1 }) });
type Input = { readonly value: string; readonly key?: string };

/** Per partition: two 900 KB values that are not JSON, and a 600 KB value whose key field is an object. */
const INPUT: readonly (readonly Input[])[] = [
  [
    valid('/a'),
    { value: 'p'.repeat(900 * KB) },
    valid('/b'),
    { value: JSON.stringify({ url: { x: 'y'.repeat(600 * KB) }, bytes: 1 }) },
    valid('/a'),
  ],
  [valid('/a'), { value: 'q'.repeat(900 * KB) }, valid('/c')],
];
const BAD = [
  { partition: 0, offset: 1 },
  { partition: 0, offset: 3 },
  { partition: 1, offset: 1 },
] as const;

async function inputTopic(input: readonly (readonly Input[])[]): Promise<string> {
  const topic = uniqueName('dlq-size-in');
  await kafka.admin.createTopics({ topics: [{ topic, numPartitions: input.length }], waitForLeaders: true });
  // One request each: two 900 KB values together would be more than the input topic takes.
  for (const [partition, records] of input.entries()) {
    for (const { value, key } of records) {
      await kafka.producer.send({ topic, acks: -1, messages: [{ partition, value, key: key ?? null }] });
    }
  }
  return topic;
}

async function createTopic(topic: string, maxMessageBytes?: number): Promise<string> {
  const configEntries = maxMessageBytes
    ? [{ name: 'max.message.bytes', value: String(maxMessageBytes) }]
    : [];
  await kafka.admin.createTopics({
    topics: [{ topic, numPartitions: 1, configEntries }],
    waitForLeaders: true,
  });
  return topic;
}

function aggregateEnv(topic: string, dlq: string, groupId: string, dir: string): Record<string, string> {
  return {
    ...availableNowEnv(topic, groupId),
    SLUICE_SINK: `file:${dir}`,
    SLUICE_AGG: 'count',
    SLUICE_ON_DECODE_ERROR: 'dlq',
    SLUICE_DLQ_TOPIC: dlq,
    SLUICE_LOG_LEVEL: 'warn',
  };
}

async function aggregate(topic: string, dlq: string) {
  const groupId = uniqueName('dlq-size');
  const dir = tempDir();
  const result = await runCli(['run'], aggregateEnv(topic, dlq, groupId, dir));
  // Summed over the windows (batches) that counted them.
  const counts: Record<string, number> = {};
  for (const { key, value } of readJsonLines<{ key: string; value: number }>(dir)) {
    counts[key] = (counts[key] ?? 0) + value;
  }
  return { result, counts, committed: (await committedOffsets(kafka.admin, groupId, topic)).map(Number) };
}

type Letter = {
  readonly key: Buffer | null;
  readonly value: Buffer;
  readonly headers: Record<string, string>;
};

/**
 * Every record the topic holds (by default exactly up to its end offsets now; or once `count`
 * arrived, and any more that came with them), by origin partition and offset.
 */
async function deadLetters(topic: string, count?: number): Promise<Letter[]> {
  const offsets = await kafka.admin.fetchTopicOffsets(topic);
  const total = count ?? offsets.reduce((sum, offset) => sum + Number(offset.high) - Number(offset.low), 0);
  const consumer = testKafka('dlq-size-reader').consumer({ groupId: uniqueName('dlq-size-reader') });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const inbox = await startCollecting(consumer);
  try {
    await inbox.waitFor(total);
  } finally {
    await consumer.disconnect();
  }
  const letters = inbox.received.map(({ message }) => ({
    key: message.key,
    value: message.value ?? Buffer.alloc(0),
    headers: Object.fromEntries(
      Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value)]),
    ),
  }));
  const at = (letter: Letter, name: string) => Number(letter.headers[name]);
  return letters.sort(
    (a, b) =>
      at(a, DLQ_HEADERS.partition) - at(b, DLQ_HEADERS.partition) ||
      at(a, DLQ_HEADERS.offset) - at(b, DLQ_HEADERS.offset),
  );
}

const original = (input: readonly (readonly Input[])[], partition: number, offset: number): Input =>
  input[partition]?.[offset] as Input;

/** The bytes a letter takes as one record batch, as the broker holds it to max.message.bytes. */
function batchBytes(letter: Letter, more: { key?: number; value?: number } = {}): number {
  const key = letter.key && Buffer.alloc(letter.key.length + (more.key ?? 0));
  const value = Buffer.alloc(letter.value.length + (more.value ?? 0));
  return 61 + Record({ key, value, headers: letter.headers }).buffer.length;
}

/** The headers every dead letter has; its error text bounded. */
function originHeaders(topic: string, partition: number, offset: number) {
  return {
    [DLQ_HEADERS.topic]: topic,
    [DLQ_HEADERS.partition]: String(partition),
    [DLQ_HEADERS.offset]: String(offset),
    [DLQ_HEADERS.error]: expect.toSatisfy(
      (text: string) => text.length > 0 && Buffer.byteLength(text) <= 400,
    ),
  };
}

function errorLine(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line.includes('SLUICE_DLQ'));
}

describe('dead letters sized to the dead-letter topic', () => {
  it('writes two 900 KB values and a 600 KB object key whole, in requests the default limit takes', async () => {
    const topic = await inputTopic(INPUT);
    const dlq = await createTopic(uniqueName('dlq-size-dlq'));
    const { result, counts, committed } = await aggregate(topic, dlq);
    expect(errorLine(result.stderr)).toEqual([]);
    expect(result.code).toBe(0);
    expect(counts).toEqual({ '/a': 3, '/b': 1, '/c': 1 });
    expect(committed).toEqual([5, 3]);

    const letters = await deadLetters(dlq);
    expect(letters.map((letter) => letter.headers)).toEqual(
      BAD.map(({ partition, offset }) => originHeaders(topic, partition, offset)),
    );
    expect(letters.map((letter) => letter.value.toString())).toEqual(
      BAD.map(({ partition, offset }) => original(INPUT, partition, offset).value),
    );
    // The job's own message carries a bounded sample of the key, well inside the header's 400 bytes.
    expect(letters[1]?.headers[DLQ_HEADERS.error]).toMatch(
      /^field url must be a string, number or boolean; got \{"x":"y+…$/,
    );
  });

  it('cuts each letter to the longest value (and key) a topic of max.message.bytes=100000 takes', async () => {
    const limit = 100_000;
    const bigKey: Input = { key: 'k'.repeat(150 * KB), value: 'not json' };
    const input = [INPUT[0] ?? [], [...(INPUT[1] ?? []), bigKey]];
    const topic = await inputTopic(input);
    const dlq = await createTopic(uniqueName('dlq-size-small'), limit);
    const { result, counts, committed } = await aggregate(topic, dlq);
    expect(errorLine(result.stderr)).toEqual([]);
    expect(result.code).toBe(0);
    expect(counts).toEqual({ '/a': 3, '/b': 1, '/c': 1 });
    expect(committed).toEqual([5, 4]);

    const letters = await deadLetters(dlq);
    const bad = [...BAD, { partition: 1, offset: 3 }];
    expect(letters.map((letter) => letter.headers)).toEqual(
      bad.map(({ partition, offset }) => {
        const { key, value } = original(input, partition, offset);
        return {
          ...originHeaders(topic, partition, offset),
          [DLQ_HEADERS.valueOriginalLength]: String(Buffer.byteLength(value)),
          [DLQ_HEADERS.valueTruncated]: 'true',
          ...(key
            ? { [DLQ_HEADERS.keyOriginalLength]: String(key.length), [DLQ_HEADERS.keyTruncated]: 'true' }
            : {}),
        };
      }),
    );
    for (const [index, letter] of letters.entries()) {
      const { partition, offset } = bad[index] as (typeof bad)[number];
      const { key, value } = original(input, partition, offset);
      expect(value.startsWith(letter.value.toString())).toBe(true);
      expect(batchBytes(letter)).toBeLessThanOrEqual(limit);
      // The longest cut that fits: one byte more would not.
      if (key === undefined) {
        expect(letter.key).toBeNull();
        expect(batchBytes(letter, { value: 1 })).toBeGreaterThan(limit);
      } else {
        expect(letter.value.length).toBe(0);
        expect(key.startsWith(letter.key?.toString() ?? '-')).toBe(true);
        expect(batchBytes(letter, { key: 1 })).toBeGreaterThan(limit);
      }
    }
  });

  it('stops with one SLUICE_DLQ line when the topic does not exist and cannot be created', async () => {
    const topic = await inputTopic(INPUT);
    // The brokers refuse to create a name that collides with an existing one once "." and "_" are taken alike.
    const name = uniqueName('dlqsize');
    await createTopic(name.replace('-', '_'));
    const dlq = name.replace('-', '.');
    const { result, committed } = await aggregate(topic, dlq);
    expect(result.code).toBe(1);
    expect(errorLine(result.stderr)).toEqual([
      `SLUICE_DLQ: cannot write dead letters to topic ${dlq} (SLUICE_DLQ_TOPIC): the topic does not exist and the brokers did not create it (UNKNOWN_TOPIC_OR_PARTITION: auto.create.topics.enable=false, or a name that collides with an existing topic's once "." and "_" are taken alike); create it with \`sluice topics create\`; nothing of the batch was committed`,
    ]);
    expect(result.stderr).not.toMatch(/^\s+at /m);
    for (const { partition, offset } of BAD) expect(committed[partition]).toBeLessThanOrEqual(offset);
  });

  it('stops with one SLUICE_DLQ line when not even a dead letter’s headers fit the topic', async () => {
    const topic = await inputTopic(INPUT);
    const dlq = await createTopic(uniqueName('dlq-size-tiny'), 150);
    const { result, committed } = await aggregate(topic, dlq);
    expect(result.code).toBe(1);
    expect(errorLine(result.stderr)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^SLUICE_DLQ: cannot write dead letters to topic ${dlq} \\(SLUICE_DLQ_TOPIC\\): it takes at most 150 bytes per batch \\(max.message.bytes\\), fewer than a dead letter's headers need \\(\\d+\\); nothing of the batch was committed$`,
        ),
      ),
    ]);
    for (const { partition, offset } of BAD) expect(committed[partition]).toBeLessThanOrEqual(offset);
  });

  it('reads the limit again when the brokers refuse a letter as too large: the topic shrank since the start', async () => {
    const topic = await inputTopic([[]]);
    const dlq = await createTopic(uniqueName('dlq-size-shrinks'));
    const env = aggregateEnv(topic, dlq, uniqueName('dlq-size'), tempDir());
    const cli = startCli(['run'], { ...env, SLUICE_TRIGGER: 'micro-batch', SLUICE_LOG_LEVEL: 'info' });
    try {
      await cli.waitFor(/"msg":"sluice started"/);
      const limit = 100_000;
      await kafka.admin.alterConfigs({
        validateOnly: false,
        resources: [
          { type: 2, name: dlq, configEntries: [{ name: 'max.message.bytes', value: String(limit) }] },
        ],
      });
      for (let seen = ''; seen !== String(limit); await new Promise((resolve) => setTimeout(resolve, 100))) {
        const { resources } = await kafka.admin.describeConfigs({
          resources: [{ type: 2, name: dlq, configNames: ['max.message.bytes'] }],
          includeSynonyms: false,
        });
        seen = resources[0]?.configEntries[0]?.configValue ?? '';
      }
      await kafka.producer.send({ topic, acks: -1, messages: [{ value: 'r'.repeat(300 * KB) }] });
      const letters = await deadLetters(dlq, 1);
      expect(letters).toHaveLength(1);
      const letter = letters[0];
      expect(letter?.headers).toEqual({
        ...originHeaders(topic, 0, 0),
        [DLQ_HEADERS.valueOriginalLength]: String(300 * KB),
        [DLQ_HEADERS.valueTruncated]: 'true',
      });
      expect(batchBytes(letter as Letter)).toBeLessThanOrEqual(limit);
      expect(batchBytes(letter as Letter, { value: 1 })).toBeGreaterThan(limit);
    } finally {
      cli.child.kill('SIGTERM');
    }
    const result = await cli.done;
    expect(errorLine(result.stderr)).toEqual([]);
    expect(result.code).toBe(0);
  });
});
