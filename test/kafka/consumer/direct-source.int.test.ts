import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli, startCli } from '../../support/cli.ts';
import { readJsonLines, totals } from '../../support/files.ts';
import { poll } from '../../support/http.ts';
import { sharedClients, testBrokers, testKafka, uniqueName } from '../../support/kafka.ts';
import { logged } from '../../support/logs.ts';
import { tempDirs } from '../../support/temp-dirs.ts';

const kafka = sharedClients('direct-source-test');
const tempDir = tempDirs('sluice-wc');

async function createTopic(partitions: number): Promise<string> {
  const topic = uniqueName('lines');
  await kafka.admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
  return topic;
}

async function send(topic: string, perPartition: readonly (readonly string[])[]): Promise<void> {
  await kafka.producer.send({
    topic,
    acks: -1,
    messages: perPartition.flatMap((values, partition) => values.map((value) => ({ partition, value }))),
  });
}

function wordCountEnv(topic: string, groupId: string, dir: string): Record<string, string> {
  return {
    SLUICE_BROKERS: testBrokers().join(','),
    SLUICE_TOPICS: topic,
    SLUICE_GROUP_ID: groupId,
    SLUICE_VALUE_FORMAT: 'string',
    SLUICE_TRIGGER: 'available-now',
    SLUICE_WORKERS: '2',
    SLUICE_LOG_LEVEL: 'warn',
    WORD_COUNT_DIR: dir,
  };
}

async function committed(groupId: string, topic: string): Promise<Record<number, string>> {
  const [entry] = await kafka.admin.fetchOffsets({ groupId, topics: [topic] });
  return Object.fromEntries((entry?.partitions ?? []).map((p) => [p.partition, p.offset]));
}

describe('Kafka direct source, end to end through `sluice run`', () => {
  it('counts words over a 4-partition topic exactly, commits the end offsets, and resumes from them', async () => {
    const topic = await createTopic(4);
    const groupId = uniqueName('wc');
    await send(topic, [['a b a', 'c'], ['b b'], [], ['a c c', 'd', 'a']]);

    const first = tempDir();
    const run1 = await runCli(['run', 'examples/word-count.ts'], wordCountEnv(topic, groupId, first));
    expect(run1.code).toBe(0);
    expect(totals(readJsonLines<[string, number]>(first))).toEqual({ a: 4, b: 3, c: 3, d: 1 });
    expect(await committed(groupId, topic)).toEqual({ 0: '2', 1: '1', 2: '-1', 3: '3' });

    await send(topic, [['e'], [], ['a e'], []]);
    const second = tempDir();
    const run2 = await runCli(['run', 'examples/word-count.ts'], wordCountEnv(topic, groupId, second));
    expect(run2.code).toBe(0);
    expect(totals(readJsonLines<[string, number]>(second))).toEqual({ a: 1, e: 2 });
    expect(await committed(groupId, topic)).toEqual({ 0: '3', 1: '1', 2: '1', 3: '3' });
  });

  it('cuts batches of at most SLUICE_MAX_RECORDS_PER_BATCH per partition, pausing fetch on backlog, losing nothing', async () => {
    const topic = await createTopic(2);
    const groupId = uniqueName('wc');
    const words = (n: number, word: string) => Array.from({ length: n }, () => word);
    await send(topic, [words(700, 'left'), words(300, 'right')]);
    const dir = tempDir();
    const env = { ...wordCountEnv(topic, groupId, dir), SLUICE_MAX_RECORDS_PER_BATCH: '50' };
    const result = await runCli(['run', 'examples/word-count.ts'], env);
    expect(result.code).toBe(0);
    const batches = readdirSync(dir).filter((name) => name.endsWith('.jsonl'));
    // 700 records of partition 0 need at least 14 batches of 50.
    expect(batches.length).toBeGreaterThanOrEqual(14);
    for (const batch of readJsonLines<[string, number]>(dir)) expect(batch[1]).toBeLessThanOrEqual(50);
    expect(totals(readJsonLines<[string, number]>(dir))).toEqual({ left: 700, right: 300 });
    expect(await committed(groupId, topic)).toEqual({ 0: '700', 1: '300' });
  });

  it("commits a restored checkpoint that is ahead of the group's commit, with no new record to move it", async () => {
    const topic = await createTopic(2);
    const groupId = uniqueName('wc');
    await send(topic, [['a b', 'b'], ['c']]);
    const checkpoints = { ...wordCountEnv(topic, groupId, tempDir()), SLUICE_CHECKPOINT_DIR: tempDir() };
    expect((await runCli(['run', 'examples/word-count.ts'], checkpoints)).code).toBe(0);
    expect(await committed(groupId, topic)).toEqual({ 0: '2', 1: '1' });
    // As when an instance dies between its checkpoint and its commit: the commit is behind.
    await kafka.admin.setOffsets({
      groupId,
      topic,
      partitions: [
        { partition: 0, offset: '0' },
        { partition: 1, offset: '0' },
      ],
    });
    const dir = tempDir();
    const again = await runCli(['run', 'examples/word-count.ts'], { ...checkpoints, WORD_COUNT_DIR: dir });
    expect(again.code).toBe(0);
    // Restored at the end: nothing read again, nothing written, and the commit caught up.
    expect(readJsonLines<[string, number]>(dir)).toEqual([]);
    expect(await committed(groupId, topic)).toEqual({ 0: '2', 1: '1' });
  });

  it('available-now given only some partitions (another member holds the rest) says so and drains its own', async () => {
    const topic = await createTopic(2);
    const groupId = uniqueName('wc');
    await send(topic, [['a'], ['b']]);
    const env = { ...wordCountEnv(topic, groupId, tempDir()), SLUICE_LOG_LEVEL: 'info' };
    const other = startCli(['run', 'examples/word-count.ts'], { ...env, SLUICE_TRIGGER: 'micro-batch' });
    try {
      await other.waitFor(/partitions assigned/);
      const result = await runCli(['run', 'examples/word-count.ts'], env);
      expect(result.code).toBe(0);
      const warnings = logged(
        result.stderr,
        'available-now: this run was given only some partitions; the others belong to other members of the group (a run that died without leaving holds its partitions until its session times out) and are not read by this run',
      );
      expect(warnings).toHaveLength(1);
      expect(warnings[0]?.partitions).toBe(2);
      expect(warnings[0]?.assigned).toHaveLength(1);
    } finally {
      other.child.kill('SIGTERM');
      await other.done;
    }
  });

  it('window() and an aggregation, with another instance in the group: the one given some partitions says its results are partial', async () => {
    const topic = await createTopic(2);
    const groupId = uniqueName('agg');
    const env = {
      SLUICE_BROKERS: testBrokers().join(','),
      SLUICE_TOPICS: topic,
      SLUICE_GROUP_ID: groupId,
      SLUICE_TRIGGER: 'micro-batch',
      SLUICE_JOB: 'test/fixtures/jobs/record-window-counts.ts',
      SLUICE_VALUE_FORMAT: 'string',
      SLUICE_BATCH_INTERVAL_MS: '500',
      SLUICE_LOG_LEVEL: 'info',
    };
    const message =
      "window() holds the records of this instance's partitions only: an aggregation after it gets one partial result per instance for a key in partitions of several instances (aggregate with windowAggregate or an ...AndWindow operation, which merge across instances)";
    const first = startCli(['run'], env);
    let second: ReturnType<typeof startCli> | undefined;
    try {
      await first.waitFor(/partitions assigned/);
      // Alone, it owns every partition: nothing to say.
      expect(logged(first.output(), message)).toEqual([]);
      const joining = startCli(['run'], env);
      second = joining;
      await poll(
        async () => (logged(joining.output(), message).length > 0 ? true : undefined),
        'the warning',
      );
      const [warning] = logged(joining.output(), message);
      expect(warning?.partitions).toBe(2);
      expect(warning?.assigned).toHaveLength(1);
      for (const cli of [first, joining]) {
        cli.child.kill('SIGTERM');
        expect((await cli.done).code).toBe(0);
      }
    } finally {
      first.child.kill('SIGKILL');
      second?.child.kill('SIGKILL');
    }
  });

  it('starts from earliest or latest when asked, ignoring committed offsets', async () => {
    const topic = await createTopic(1);
    await send(topic, [['x y']]);
    const groupId = uniqueName('wc');
    const latest = tempDir();
    const env = { ...wordCountEnv(topic, groupId, latest), SLUICE_STARTING_OFFSETS: 'latest' };
    expect((await runCli(['run', 'examples/word-count.ts'], env)).code).toBe(0);
    expect(readJsonLines(latest)).toEqual([]);

    const earliest = tempDir();
    const again = { ...wordCountEnv(topic, groupId, earliest), SLUICE_STARTING_OFFSETS: 'earliest' };
    expect((await runCli(['run', 'examples/word-count.ts'], again)).code).toBe(0);
    expect(totals(readJsonLines<[string, number]>(earliest))).toEqual({ x: 1, y: 1 });
  });

  it('drains on SIGTERM: finishes the batch, commits what it wrote, leaves the group, exits 0', async () => {
    const topic = await createTopic(2);
    const groupId = uniqueName('wc');
    await send(topic, [['p q', 'p'], ['q r']]);
    const dir = tempDir();
    const cli = startCli(['run', 'examples/word-count.ts'], {
      ...wordCountEnv(topic, groupId, dir),
      SLUICE_TRIGGER: 'micro-batch',
      SLUICE_BATCH_INTERVAL_MS: '200',
      SLUICE_LOG_LEVEL: 'info',
    });
    await cli.waitFor(/partitions assigned/);
    // Wait until every record was processed and committed (both partitions: one may be fetched
    // later than the other), then stop.
    await poll(async () => {
      const offsets = await committed(groupId, topic);
      return offsets[0] === '2' && offsets[1] === '1' ? offsets : undefined;
    }, 'offsets 2 and 1 committed');
    cli.child.kill('SIGTERM');
    const result = await cli.done;
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('draining');
    expect(totals(readJsonLines<[string, number]>(dir))).toEqual({ p: 2, q: 2, r: 1 });
    expect(await committed(groupId, topic)).toEqual({ 0: '2', 1: '1' });
    const [group] = (await kafka.admin.describeGroups([groupId])).groups;
    expect(group?.members).toEqual([]);
  });
});

describe('decode-error policies of the aggregate job', () => {
  const good = [
    JSON.stringify({ url: '/a', bytes: 10 }),
    JSON.stringify({ url: '/b', bytes: 5 }),
    JSON.stringify({ url: '/a', bytes: 1 }),
  ];
  const records = [good[0], '{"url": ', good[1], JSON.stringify({ bytes: 3 }), good[2]] as string[];

  async function aggregate(policy: string, extra: Record<string, string> = {}) {
    const topic = await createTopic(1);
    await send(topic, [records]);
    const groupId = uniqueName('agg');
    const dir = tempDir();
    const result = await runCli(['run'], {
      SLUICE_BROKERS: testBrokers().join(','),
      SLUICE_TOPICS: topic,
      SLUICE_GROUP_ID: groupId,
      SLUICE_TRIGGER: 'available-now',
      SLUICE_SINK: `file:${dir}`,
      SLUICE_AGG: 'sum',
      SLUICE_VALUE_FIELD: 'bytes',
      SLUICE_ON_DECODE_ERROR: policy,
      SLUICE_LOG_LEVEL: 'warn',
      ...extra,
    });
    return { topic, groupId, dir, result };
  }

  it('fail: exits 1 naming topic, partition and offset; commits nothing', async () => {
    const { topic, groupId, result } = await aggregate('fail');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `SLUICE_DECODE: cannot decode record at topic ${topic}, partition 0, offset 1:`,
    );
    expect(await committed(groupId, topic)).toEqual({ 0: '-1' });
  });

  it('skip: aggregates the good records, counts and logs the bad ones, commits the end', async () => {
    const { topic, groupId, dir, result } = await aggregate('skip');
    expect(result.code).toBe(0);
    const rows = readJsonLines<{ key: string; value: number }>(dir);
    expect(Object.fromEntries(rows.map((row) => [row.key, row.value]))).toEqual({ '/a': 11, '/b': 5 });
    expect(result.stderr).toContain('records that could not be decoded');
    expect(result.stderr).toContain('field url is missing');
    expect(await committed(groupId, topic)).toEqual({ 0: '5' });
  });

  it('dlq: writes the original bytes with their origin in headers to the dead-letter topic', async () => {
    const dlq = await createTopic(1);
    const { topic, groupId, dir, result } = await aggregate('dlq', { SLUICE_DLQ_TOPIC: dlq });
    expect(result.code).toBe(0);
    const rows = readJsonLines<{ key: string; value: number }>(dir);
    expect(Object.fromEntries(rows.map((row) => [row.key, row.value]))).toEqual({ '/a': 11, '/b': 5 });
    expect(await committed(groupId, topic)).toEqual({ 0: '5' });

    const consumer = testKafka('dlq-reader').consumer({ groupId: uniqueName('dlq-reader') });
    await consumer.connect();
    await consumer.subscribe({ topic: dlq, fromBeginning: true });
    const seen: { value: string; headers: Record<string, string> }[] = [];
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          const headers = Object.fromEntries(
            Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value)]),
          );
          seen.push({ value: String(message.value), headers });
          if (seen.length === 2) resolve();
        },
      });
    });
    await consumer.disconnect();
    expect(seen).toEqual([
      {
        value: '{"url": ',
        headers: {
          'sluice.origin.topic': topic,
          'sluice.origin.partition': '0',
          'sluice.origin.offset': '1',
          'sluice.error': expect.stringMatching(/JSON/),
        },
      },
      {
        value: '{"bytes":3}',
        headers: {
          'sluice.origin.topic': topic,
          'sluice.origin.partition': '0',
          'sluice.origin.offset': '3',
          'sluice.error': 'field url is missing',
        },
      },
    ]);
  });
});
