// `sluice produce` as a child process against the real broker: exact per-partition counts, end
// offsets and record contents, compression on the wire, signals and connection failures.
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { Kafka, type logCreator, logLevel } from 'kafkajs';
import { describe, expect, it, onTestFinished } from 'vitest';
import { registerCodecs } from '../../src/codecs/index.ts';
import { createPartitioner, type PartitionerName } from '../../src/kafka/index.ts';
import { clickAt } from '../../src/task/index.ts';
import { startCollecting } from '../support/collect.ts';
import { testBrokers, testKafka, uniqueName } from '../support/kafka.ts';

const run = promisify(execFile);
// This process reads the topics back with kafkajs, which knows only gzip on its own.
registerCodecs();

type Result = { code: number; stdout: string; stderr: string };

/** The test's environment with SLUICE_BROKERS set to `brokers`, or without it for `null`. */
function cliEnv(brokers: string | null): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (brokers === null) delete env.SLUICE_BROKERS;
  else env.SLUICE_BROKERS = brokers;
  return env;
}

async function produceCli(args: string[], brokers: string | null = testBrokers().join(',')): Promise<Result> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/sluice.js', 'produce', ...args], {
      env: cliEnv(brokers),
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

type Client = { connect(): Promise<void>; disconnect(): Promise<void> };

async function open<T extends Client>(client: T): Promise<T> {
  onTestFinished(() => client.disconnect());
  await client.connect();
  return client;
}

/** A record as `partition key value`, so a sorted list compares as a multiset. */
type Line = string;

/**
 * What the CLI must write, computed independently of it: event n is `clickAt` of generator
 * partition n % P at index ⌊n / P⌋, keyed by its user, on the partition the partitioner picks.
 */
function expected(opts: { seed: number; partitions: number; count: number; partitioner: PartitionerName }): {
  lines: Line[];
  counts: Record<string, number>;
} {
  const partition = createPartitioner(opts.partitioner);
  const counts: Record<string, number> = {};
  for (let p = 0; p < opts.partitions; p++) counts[String(p)] = 0;
  const lines: Line[] = [];
  for (let n = 0; n < opts.count; n++) {
    const event = clickAt(
      { seed: opts.seed, partitions: opts.partitions },
      n % opts.partitions,
      Math.floor(n / opts.partitions),
    );
    const value = JSON.stringify(event);
    const p = partition({ key: Buffer.from(event.user), value: Buffer.from(value) }, opts.partitions);
    counts[String(p)] = (counts[String(p)] ?? 0) + 1;
    lines.push(`${p} ${event.user} ${value}`);
  }
  return { lines: lines.sort(), counts };
}

/** Reads every record of `topic` (exactly `count`) with `kafka` and returns them as sorted lines. */
async function readBack(kafka: Kafka, topic: string, count: number): Promise<Line[]> {
  const consumer = await open(kafka.consumer({ groupId: uniqueName('produce-read'), maxWaitTimeInMs: 100 }));
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const inbox = await startCollecting(consumer);
  await inbox.waitFor(count);
  await consumer.disconnect();
  return inbox.received
    .map(({ partition, message }) => `${partition} ${message.key?.toString()} ${message.value?.toString()}`)
    .sort();
}

async function endOffsets(topic: string): Promise<Record<string, number>> {
  const admin = await open(testKafka('produce-offsets').admin());
  const offsets = await admin.fetchTopicOffsets(topic);
  const out: Record<string, number> = {};
  for (const { partition, low, high } of [...offsets].sort((a, b) => a.partition - b.partition)) {
    expect(low).toBe('0');
    out[String(partition)] = Number(high);
  }
  return out;
}

function summaryOf(result: Result): Record<string, unknown> {
  const lines = result.stdout.split('\n');
  expect(lines).toHaveLength(2); // one JSON line and the final newline
  expect(lines[1]).toBe('');
  return JSON.parse(lines[0] ?? '') as Record<string, unknown>;
}

/** A client that records the size of every Fetch response, which kafkajs reports only in its debug log. */
function fetchSizeRecordingKafka(): { kafka: Kafka; fetchBytes: () => number } {
  let bytes = 0;
  const logCreator: logCreator =
    () =>
    ({ log }) => {
      if (log.message.startsWith('Response Fetch(') && typeof log.size === 'number') bytes += log.size;
    };
  const kafka = new Kafka({
    clientId: 'produce-fetch-size',
    brokers: testBrokers(),
    logLevel: logLevel.DEBUG,
    logCreator,
  });
  return { kafka, fetchBytes: () => bytes };
}

describe('sluice produce', () => {
  it('writes 1000 events where murmur2 of the user key says, and they read back exactly', async () => {
    const topic = uniqueName('produce-murmur2');
    const result = await produceCli([
      '--topic',
      topic,
      '--create',
      '--partitions',
      '4',
      '--count',
      '1000',
      '--seed',
      '3',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);

    const want = expected({ seed: 3, partitions: 4, count: 1000, partitioner: 'murmur2' });
    const summary = summaryOf(result);
    expect(Object.keys(summary)).toEqual([
      'topic',
      'count',
      'partitions',
      'elapsedMs',
      'eventsPerSecond',
      'partitioner',
      'seed',
      'compression',
    ]);
    expect(summary).toEqual({
      topic,
      count: 1000,
      partitions: want.counts,
      elapsedMs: expect.any(Number),
      eventsPerSecond: expect.any(Number),
      partitioner: 'murmur2',
      seed: 3,
      compression: 'none',
    });
    // Every partition gets some of 1000 keyed events: the counts are not trivially equal.
    expect(Object.values(want.counts).every((n) => n > 0 && n !== 250)).toBe(true);

    expect(await endOffsets(topic)).toEqual(want.counts);
    expect(await readBack(testKafka('produce-read'), topic, 1000)).toEqual(want.lines);
  });

  it('spreads 1000 events 250 per partition with --partitioner round-robin', async () => {
    const topic = uniqueName('produce-round-robin');
    const result = await produceCli([
      '--topic',
      topic,
      '--create',
      '--partitions',
      '4',
      '--count',
      '1000',
      '--seed',
      '3',
      '--partitioner',
      'round-robin',
    ]);
    expect(result.code).toBe(0);
    const want = expected({ seed: 3, partitions: 4, count: 1000, partitioner: 'round-robin' });
    expect(want.counts).toEqual({ '0': 250, '1': 250, '2': 250, '3': 250 });
    expect(summaryOf(result)).toMatchObject({
      count: 1000,
      partitions: want.counts,
      partitioner: 'round-robin',
    });
    expect(await endOffsets(topic)).toEqual(want.counts);
    expect(await readBack(testKafka('produce-read'), topic, 1000)).toEqual(want.lines);
  });

  it('round-trips the same events with every --compression, each in under half the fetched bytes', async () => {
    const plain = uniqueName('produce-plain');
    const common = ['--create', '--partitions', '4', '--count', '1000', '--seed', '3'];
    const plainRun = await produceCli(['--topic', plain, ...common]);
    expect(plainRun.code).toBe(0);
    const want = expected({ seed: 3, partitions: 4, count: 1000, partitioner: 'murmur2' });
    const plainRead = fetchSizeRecordingKafka();
    expect(await readBack(plainRead.kafka, plain, 1000)).toEqual(want.lines);
    expect(plainRead.fetchBytes()).toBeGreaterThan(100_000);

    for (const compression of ['gzip', 'snappy', 'lz4', 'zstd']) {
      const topic = uniqueName(`produce-${compression}`);
      const run = await produceCli(['--topic', topic, ...common, '--compression', compression]);
      expect([run.code, run.stderr]).toEqual([0, '']);
      expect(summaryOf(run)).toMatchObject({ topic, count: 1000, compression });
      const read = fetchSizeRecordingKafka();
      expect(await readBack(read.kafka, topic, 1000)).toEqual(want.lines);
      // Kafka stores and serves the batches as produced: a compressed topic is fetched compressed.
      expect(read.fetchBytes(), compression).toBeLessThan(plainRead.fetchBytes() / 2);
    }
  });

  it('writes exactly rate × duration events with --rate and --duration-ms', async () => {
    const topic = uniqueName('produce-rate');
    const result = await produceCli(['--topic', topic, '--create', '--rate', '400', '--duration-ms', '1000']);
    expect(result.code).toBe(0);
    const summary = summaryOf(result);
    expect(summary).toMatchObject({ count: 400, seed: 42 });
    expect(Object.values(await endOffsets(topic)).reduce((a, b) => a + b, 0)).toBe(400);
  });

  it('on SIGTERM stops, finishes the sends in flight, prints the summary and exits 0', async () => {
    const topic = uniqueName('produce-signal');
    const child = spawn(
      process.execPath,
      ['bin/sluice.js', 'produce', '--topic', topic, '--create', '--rate', '500', '--seed', '5'],
      { env: cliEnv(testBrokers().join(',')), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    onTestFinished(() => {
      child.kill('SIGKILL');
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

    const admin = await open(testKafka('produce-signal').admin());
    const written = async (): Promise<number> => {
      if (!(await admin.listTopics()).includes(topic)) return 0;
      // Right after the child creates the topic, its leaders may not be known yet (NOT_LEADER).
      const offsets = await admin.fetchTopicOffsets(topic).catch(() => []);
      return offsets.reduce((sum, { high }) => sum + Number(high), 0);
    };
    const deadline = Date.now() + 30_000;
    while ((await written()) < 200 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toBe('');

    const summary = summaryOf({ code: 0, stdout, stderr });
    const count = summary.count as number;
    expect(count).toBeGreaterThanOrEqual(200);
    expect(await endOffsets(topic)).toEqual(summary.partitions);
    // Sends go out in order and all were acknowledged: the topic holds exactly the first `count` events.
    const want = expected({ seed: 5, partitions: 4, count, partitioner: 'murmur2' });
    expect(summary.partitions).toEqual(want.counts);
    expect(await readBack(testKafka('produce-read'), topic, count)).toEqual(want.lines);
  });

  it('fails with SLUICE_KAFKA naming the brokers when none is reachable (exit 1)', async () => {
    const result = await produceCli(['--topic', 'nowhere', '--count', '10'], '127.0.0.1:1');
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trimEnd().split('\n').at(-1)).toBe(
      'SLUICE_KAFKA: cannot connect to Kafka brokers 127.0.0.1:1 (SLUICE_BROKERS): Connection error: connect ECONNREFUSED 127.0.0.1:1',
    );
  });

  it('fails with SLUICE_KAFKA for a missing topic without --create (exit 1)', async () => {
    const topic = uniqueName('produce-missing');
    const result = await produceCli(['--topic', topic]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `SLUICE_KAFKA: topic "${topic}" does not exist on Kafka brokers ${testBrokers().join(',')}; pass --create to create it with 4 partitions (--partitions)\n`,
    );
  });

  it('exits 2 with SLUICE_USAGE when SLUICE_BROKERS is unset', async () => {
    const result = await produceCli(['--topic', 't'], null);
    expect(result).toEqual({
      code: 2,
      stdout: '',
      stderr: 'SLUICE_USAGE: SLUICE_BROKERS is required for sluice produce\n',
    });
  });

  it('prints its usage for --help and exits 0', async () => {
    const result = await produceCli(['--help'], null);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^usage: sluice produce --topic <topic> \[options\]\n/);
  });
});
