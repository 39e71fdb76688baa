// Keeps test/fixtures/murmur2-java-vectors.json tied to the real Java client: reruns
// test/fixtures/Murmur2Vectors.java against the Kafka jars and compares it with the fixture and with
// our murmur2; then produces keyed records through kafkajs with our partitioner and checks that
// every key landed on the partition the Java producer's BuiltInPartitioner.partitionForKey picks.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { ensureKafkaJars, kafkaVersion } from '../../scripts/local-kafka/index.ts';
import { murmur2, toPositive } from '../../src/core/murmur2.ts';
import { createPartitioner, toKafkajsPartitioner } from '../../src/kafka/partitioners.ts';
import { startCollecting } from '../support/collect.ts';
import { testKafka, uniqueName } from '../support/kafka.ts';
import { readJavaVectors, VECTORS_FILE } from '../support/murmur2-vectors.ts';

const PROGRAM = fileURLToPath(new URL('../fixtures/Murmur2Vectors.java', import.meta.url));
const FIXTURE = fileURLToPath(VECTORS_FILE);

/** Runs the vector program with the Kafka client jars on the class path (Java 17 single-file launch). */
function runJava(args: readonly string[]): string {
  const java = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
  const libs = ensureKafkaJars(kafkaVersion());
  const result = spawnSync(java, ['-cp', `${libs}/*`, PROGRAM, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(`${java} ${PROGRAM} exited with ${result.status}:\n${result.stderr}`);
  }
  return result.stdout;
}

describe('murmur2 fixture against the Java client', () => {
  let output = '';
  beforeAll(() => {
    output = runJava([]);
  });

  it('is exactly what the Java program prints now (apart from the Kafka version that ran it)', () => {
    const fixtureText = readFileSync(FIXTURE, 'utf8');
    const fixture = readJavaVectors(fixtureText);
    const java = readJavaVectors(output);
    expect(java.kafkaVersion).toBe(kafkaVersion());
    expect(java.vectors).toHaveLength(253);
    // Parsed first, so a drifted vector shows up by label; then the text, so formatting cannot drift.
    expect({ ...java, kafkaVersion: fixture.kafkaVersion }).toEqual(fixture);
    const sameVersion = output.replace(
      `"kafkaVersion": "${java.kafkaVersion}"`,
      `"kafkaVersion": "${fixture.kafkaVersion}"`,
    );
    expect(sameVersion).toBe(fixtureText);
  });

  it('agrees with our murmur2 and murmur2 partitioner on every vector', () => {
    const java = readJavaVectors(output);
    const ours = java.vectors.map(({ label, hex }) => {
      const bytes = Buffer.from(hex, 'hex');
      const hash = murmur2(bytes);
      const partition = createPartitioner('murmur2');
      const byCount = (value: (n: number) => number) =>
        Object.fromEntries(java.partitionCounts.map((n) => [String(n), value(n)] as const));
      return {
        label,
        hex,
        murmur2: hash,
        partitions: byCount((n) => toPositive(hash) % n),
        partitionForKey: byCount((n) => partition({ key: bytes, value: null }, n)),
      };
    });
    expect(ours).toEqual(java.vectors);
  });
});

describe('kafkajs producer with toKafkajsPartitioner("murmur2")', () => {
  const PARTITIONS = 7;

  it('puts each of 50 keys on the partition the Java producer picks', async () => {
    // Every 5th key is multi-byte UTF-8; the second half goes out as Buffers instead of strings.
    const keys = Array.from({ length: 50 }, (_, i) => (i % 5 === 0 ? `kunde-${i}-grüße` : `user-${i}`));
    const hexKeys = keys.map((key) => Buffer.from(key).toString('hex'));
    const javaPartitions = JSON.parse(
      runJava(['partition-for-key', String(PARTITIONS), ...hexKeys]),
    ) as number[];
    expect(javaPartitions).toHaveLength(50);
    expect(keys.map((key) => toPositive(murmur2(Buffer.from(key))) % PARTITIONS)).toEqual(javaPartitions);
    const expected = new Map(keys.map((key, i) => [key, javaPartitions[i]] as const));
    // Per partition, the keys in send order: what the log must hold at offsets 0, 1, ….
    const expectedLogs = Array.from({ length: PARTITIONS }, (_, p) =>
      keys.filter((key) => expected.get(key) === p),
    );
    expect(expectedLogs.every((log) => log.length > 0)).toBe(true);

    const kafka = testKafka('partitioners-e2e');
    const topic = uniqueName('partitioners-murmur2');
    const admin = kafka.admin();
    onTestFinished(() => admin.disconnect());
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });

    const producer = kafka.producer({ createPartitioner: toKafkajsPartitioner('murmur2') });
    onTestFinished(() => producer.disconnect());
    await producer.connect();
    await producer.send({
      topic,
      messages: keys.map((key, i) => ({ key: i < 25 ? key : Buffer.from(key), value: `value-${i}` })),
    });

    const offsets = [...(await admin.fetchTopicOffsets(topic))].sort((a, b) => a.partition - b.partition);
    expect(offsets.map(({ partition, low, high }) => ({ partition, low, high }))).toEqual(
      expectedLogs.map((log, partition) => ({ partition, low: '0', high: String(log.length) })),
    );

    const consumer = kafka.consumer({ groupId: uniqueName('partitioners-murmur2'), maxWaitTimeInMs: 100 });
    onTestFinished(() => consumer.disconnect());
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const inbox = await startCollecting(consumer);
    await inbox.waitFor(50);
    await consumer.disconnect();

    expect(inbox.received).toHaveLength(50);
    const logs = Array.from({ length: PARTITIONS }, (_, p) =>
      inbox.received
        .filter((r) => r.partition === p)
        .sort((a, b) => Number(a.message.offset) - Number(b.message.offset))
        .map((r) => ({ offset: r.message.offset, key: r.message.key?.toString() })),
    );
    expect(logs).toEqual(
      expectedLogs.map((log) => log.map((key, offset) => ({ offset: String(offset), key }))),
    );
  });
});
