// Interop with the Kafka Java client on the real broker, one topic per codec and direction:
//   Java's own console producer (compression.type=X) → `sluice run`, exact word counts;
//   `sluice produce --compression X` → Java's own console consumer, exact records.
// The Java side is the Kafka distribution's tools (org.apache.kafka.tools.ConsoleProducer and
// org.apache.kafka.tools.consumer.ConsoleConsumer in 4.x), run from the cached Kafka jars.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureKafkaJars, kafkaVersion } from '../../scripts/local-kafka/index.ts';
import { createPartitioner } from '../../src/kafka/index.ts';
import { clickAt } from '../../src/task/index.ts';
import { runCli } from '../support/cli.ts';
import { readJsonLines, totals } from '../support/files.ts';
import { sharedClients, testBrokers, uniqueName } from '../support/kafka.ts';
import { brokerLogDir, storedBatches } from '../support/segments.ts';
import { tempDirs } from '../support/temp-dirs.ts';

const CODECS = ['gzip', 'snappy', 'lz4', 'zstd'] as const;
const CODEC_IDS = { gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const;
const LINES = 4000;
const PARTITIONS = 2;
const NATIVE = process.env.SLUICE_NATIVE === 'off' ? 'off' : 'auto';

const kafka = sharedClients('java-interop-test');
const tempDir = tempDirs('sluice-interop');
let logDir = '';

beforeAll(async () => {
  logDir = await brokerLogDir(kafka.admin);
});

/** Every stored batch of the topic is compressed with `codec`; returns the largest record count. */
function expectCompressed(topic: string, codec: (typeof CODECS)[number]): number {
  const batches = Array.from({ length: PARTITIONS }, (_, p) => storedBatches(logDir, topic, p)).flat();
  expect(batches.length).toBeGreaterThan(0);
  expect(new Set(batches.map((batch) => batch.codec))).toEqual(new Set([CODEC_IDS[codec]]));
  return Math.max(...batches.map((batch) => batch.records));
}

function java(mainClass: string, args: readonly string[], input?: string): string {
  const command = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
  const result = spawnSync(command, ['-cp', `${ensureKafkaJars(kafkaVersion())}/*`, mainClass, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    maxBuffer: 64 * 1024 * 1024,
    ...(input === undefined ? {} : { input }),
  });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`${mainClass} exited with ${result.status}:\n${result.stderr}`);
  return result.stdout;
}

/** The first `count` records of `topic` as Java's console consumer prints them: `Partition:p|key|value`. */
function javaConsume(topic: string, count: number): string[] {
  const stdout = java('org.apache.kafka.tools.consumer.ConsoleConsumer', [
    '--bootstrap-server',
    testBrokers().join(','),
    '--topic',
    topic,
    '--from-beginning',
    '--max-messages',
    String(count),
    '--timeout-ms',
    '30000',
    '--formatter-property',
    'print.key=true',
    '--formatter-property',
    'print.partition=true',
    '--formatter-property',
    'key.separator=|',
  ]);
  return stdout.split('\n').filter((entry) => entry.length > 0);
}

async function createTopic(prefix: string): Promise<string> {
  const topic = uniqueName(prefix);
  await kafka.admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
  return topic;
}

async function endOffsets(topic: string): Promise<number> {
  return (await kafka.admin.fetchTopicOffsets(topic)).reduce((sum, { high }) => sum + Number(high), 0);
}

/** Line i: a word from a set of 7 and a unique one, about 60 bytes, so batches hold many LZ4 blocks. */
function line(i: number): string {
  return `w${i % 7} unique${i} ${'padding'.repeat(6)}`;
}

function wordTotals(count: number): Record<string, number> {
  const want: Record<string, number> = {};
  for (let i = 0; i < count; i++) {
    for (const word of line(i).split(' ')) want[word] = (want[word] ?? 0) + 1;
  }
  return want;
}

describe('Java console producer → sluice run', () => {
  for (const codec of CODECS) {
    it(`reads ${LINES} lines the Java client wrote with compression.type=${codec}`, async () => {
      const topic = await createTopic(`java-${codec}`);
      const lines = Array.from({ length: LINES }, (_, i) => line(i));
      java(
        'org.apache.kafka.tools.ConsoleProducer',
        [
          '--bootstrap-server',
          testBrokers().join(','),
          '--topic',
          topic,
          // The tool's own flag: it sets compression.type after, and over, --command-property.
          '--compression-codec',
          codec,
          // Large batches (batch.size, linger.ms): many 64 KB LZ4 blocks and 32 KB snappy chunks each.
          // A batch goes when full or when the tool closes the producer at the end of the input,
          // never on a linger a loaded machine reads the lines more slowly than.
          '--batch-size',
          '1000000',
          '--timeout',
          '600000',
        ],
        `${lines.join('\n')}\n`,
      );
      expect(await endOffsets(topic)).toBe(LINES);
      // ~60 bytes a line: a batch of 2,000 lines is 120 KB before compression.
      expect(expectCompressed(topic, codec)).toBeGreaterThanOrEqual(2000);

      const dir = tempDir();
      const result = await runCli(['run', 'examples/word-count.ts'], {
        SLUICE_BROKERS: testBrokers().join(','),
        SLUICE_TOPICS: topic,
        SLUICE_GROUP_ID: uniqueName(`java-${codec}`),
        SLUICE_VALUE_FORMAT: 'string',
        SLUICE_TRIGGER: 'available-now',
        SLUICE_WORKERS: '2',
        SLUICE_LOG_LEVEL: 'info',
        SLUICE_NATIVE: NATIVE,
        WORD_COUNT_DIR: dir,
      });
      expect(result.code).toBe(0);
      const want = wordTotals(LINES);
      const got = totals(readJsonLines<[string, number]>(dir));
      expect(Object.keys(got)).toHaveLength(Object.keys(want).length);
      expect(got).toEqual(want);
      const codecLines = result.stderr.split('\n').filter((entry) => entry.includes('compression codecs'));
      expect(codecLines).toHaveLength(1);
      expect(codecLines[0]).toContain(NATIVE === 'off' ? 'lz4 via native-free' : 'lz4 via lz4-napi');
      expect(result.stderr).toContain(`"records":${LINES}`);
    });
  }
});

describe('sluice produce → Java console consumer', () => {
  const COUNT = 3000;
  const SEED = 9;

  /** What the Java consumer must print, as sorted `partition|key|value` lines. */
  function expected(): string[] {
    const partitioner = createPartitioner('murmur2');
    const lines: string[] = [];
    for (let n = 0; n < COUNT; n++) {
      const event = clickAt({ seed: SEED, partitions: 4 }, n % 4, Math.floor(n / 4));
      const value = JSON.stringify(event);
      const partition = partitioner({ key: Buffer.from(event.user), value: Buffer.from(value) }, PARTITIONS);
      lines.push(`Partition:${partition}|${event.user}|${value}`);
    }
    return lines.sort();
  }

  for (const codec of CODECS) {
    it(`the Java client reads ${COUNT} events sluice wrote with --compression ${codec}`, async () => {
      const topic = await createTopic(`sluice-${codec}`);
      const produced = await runCli(
        [
          'produce',
          '--topic',
          topic,
          '--count',
          String(COUNT),
          '--seed',
          String(SEED),
          '--compression',
          codec,
        ],
        { SLUICE_BROKERS: testBrokers().join(','), SLUICE_NATIVE: NATIVE },
      );
      expect(produced.stderr).toBe('');
      expect(produced.code).toBe(0);
      expect(JSON.parse(produced.stdout)).toMatchObject({ count: COUNT, compression: codec });
      expectCompressed(topic, codec);

      const lines = javaConsume(topic, COUNT);
      expect(lines).toHaveLength(COUNT);
      expect(lines.sort()).toEqual(expected());
    });
  }
});

describe('sluice run toKafka (record batches the slots write) → Java console consumer', () => {
  const COUNT = 3000;
  const TO_KAFKA = 'test/fixtures/jobs/to-kafka.ts';

  for (const codec of ['none', ...CODECS] as const) {
    it(`the Java client reads ${COUNT} records a job wrote with compression ${codec}`, async () => {
      const input = await createTopic(`to-kafka-in-${codec}`);
      const output = await createTopic(`to-kafka-out-${codec}`);
      const records = Array.from({ length: COUNT }, (_, i) => ({ key: `user-${i % 97}`, value: line(i) }));
      await kafka.producer.send({ topic: input, messages: records });
      const result = await runCli(['run', TO_KAFKA], {
        SLUICE_BROKERS: testBrokers().join(','),
        SLUICE_TOPICS: input,
        SLUICE_GROUP_ID: uniqueName(`to-kafka-${codec}`),
        SLUICE_VALUE_FORMAT: 'string',
        SLUICE_TRIGGER: 'available-now',
        SLUICE_WORKERS: '2',
        SLUICE_LOG_LEVEL: 'error',
        SLUICE_NATIVE: NATIVE,
        OUTPUT_TOPIC: output,
        OUTPUT_COMPRESSION: codec,
      });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(await endOffsets(output)).toBe(COUNT);
      if (codec !== 'none') expectCompressed(output, codec);

      const lines = javaConsume(output, COUNT);
      const partitioner = createPartitioner('murmur2');
      const want = records.map(({ key, value }) => {
        const partition = partitioner({ key: Buffer.from(key), value: null }, PARTITIONS);
        return `Partition:${partition}|${key}|${JSON.stringify([key, value])}`;
      });
      expect(lines).toHaveLength(COUNT);
      expect(lines.sort()).toEqual(want.sort());
    });
  }
});
