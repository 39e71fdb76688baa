// SLUICE_TRIGGER=continuous on a topic without records waits for them: it cuts no empty batch (a
// job with windows: one tick per SLUICE_BATCH_INTERVAL_MS at most), prints no header and writes no
// file for one, and a backlog is processed with every sink. Real `sluice run` processes on the
// broker; counts and states are asserted, never durations.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, onTestFinished } from 'vitest';
import { freePort, type RunningCli, startCli, waitForLines } from '../support/cli.ts';
import { httpGet, poll } from '../support/http.ts';
import { committedOffsets, sharedClients, testBrokers, testKafka, uniqueName } from '../support/kafka.ts';
import { pgQuery, sinkUrl, testPostgresUrl } from '../support/postgres.ts';
import { tempDirs } from '../support/temp-dirs.ts';

const kafka = sharedClients('continuous-idle-test');
const tempDir = tempDirs('sluice-continuous');

const INTERVAL_MS = 200;
const IDLE_MS = 2_000;
const URLS = ['/a', '/b', '/c', '/d', '/e'];

async function createTopic(prefix: string): Promise<string> {
  const topic = uniqueName(prefix);
  await kafka.admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
  return topic;
}

/** `count` clicks over both partitions, url `URLS[i % 5]`, sent in requests of 5,000. */
async function produceClicks(topic: string, count: number): Promise<void> {
  for (let from = 0; from < count; from += 5_000) {
    const messages = [];
    for (let i = from; i < Math.min(count, from + 5_000); i++) {
      messages.push({ partition: i % 2, value: JSON.stringify({ url: URLS[i % URLS.length] }) });
    }
    await kafka.producer.send({ topic, acks: -1, messages });
  }
}

type Run = {
  readonly cli: RunningCli;
  readonly url: string;
  readonly group: string;
  readonly startedAt: number;
};

async function startContinuous(topic: string, env: Record<string, string>): Promise<Run> {
  const port = await freePort();
  const group = uniqueName('continuous-group');
  const startedAt = Date.now();
  const cli = startCli(['run'], {
    SLUICE_BROKERS: testBrokers().join(','),
    SLUICE_TOPICS: topic,
    SLUICE_GROUP_ID: group,
    SLUICE_TRIGGER: 'continuous',
    SLUICE_BATCH_INTERVAL_MS: String(INTERVAL_MS),
    SLUICE_COMMIT_INTERVAL_MS: String(INTERVAL_MS),
    SLUICE_KEY_FIELD: 'url',
    SLUICE_WORKERS: '2',
    SLUICE_HTTP_PORT: String(port),
    ...env,
  });
  onTestFinished(() => {
    cli.child.kill('SIGKILL');
  });
  await waitForLines(cli, 'partitions assigned', 1);
  return { cli, url: `http://127.0.0.1:${port}`, group, startedAt };
}

/** Stops the run with SIGTERM: it drains and exits 0. */
async function stop(run: Run): Promise<string> {
  run.cli.child.kill('SIGTERM');
  const result = await run.cli.done;
  expect(result.code, result.stderr).toBe(0);
  return result.stdout;
}

type BatchJson = { batchId: number; records: { consumed: number } };

async function batches(run: Run): Promise<BatchJson[]> {
  const answer = await httpGet(`${run.url}/api/batches`);
  return (JSON.parse(answer?.body ?? '{"batches":[]}') as { batches: BatchJson[] }).batches;
}

/** The print() blocks of stdout (log lines, on stderr, left out): each header's rows. */
function printBlocks(stdout: string): { key: string; value: number }[][] {
  return stdout
    .split(/^-+\nTime: \d+ ms\n-+\n/m)
    .slice(1)
    .map((block) =>
      block
        .split('\n')
        .filter((line) => line.startsWith('{"key"'))
        .map((line) => JSON.parse(line) as { key: string; value: number }),
    );
}

const sum = (rows: readonly { value: number }[]): number => rows.reduce((total, row) => total + row.value, 0);

async function committedTotal(group: string, topic: string): Promise<number> {
  const offsets = await committedOffsets(kafka.admin, group, topic);
  return offsets.reduce((total, offset) => total + Math.max(0, Number(offset)), 0);
}

describe('the continuous trigger on an idle topic', () => {
  it('prints nothing while idle, then every record of what arrives, each header with rows', async () => {
    const topic = await createTopic('continuous-print');
    const run = await startContinuous(topic, { SLUICE_SINK: 'console' });
    await sleep(IDLE_MS);
    // A job without windows or state has nothing to tick: not one batch while nothing arrives.
    expect(await batches(run)).toEqual([]);
    expect(run.cli.output()).not.toContain('Time: ');

    await produceClicks(topic, 300);
    await poll(
      async () => (sum(printBlocks(run.cli.output()).flat()) >= 300 ? true : undefined),
      'the 300 clicks printed',
    );
    const stdout = await stop(run);
    const blocks = printBlocks(stdout);
    expect(blocks.filter((rows) => rows.length === 0)).toEqual([]);
    expect(sum(blocks.flat())).toBe(300);
    expect(await committedOffsets(kafka.admin, run.group, topic)).toEqual(['150', '150']);
  });

  it('windows tick at most once per interval while idle, write no empty file, then fire the backlog', async () => {
    const topic = await createTopic('continuous-file');
    const dir = join(tempDir(), 'out');
    const run = await startContinuous(topic, { SLUICE_SINK: `file:${dir}`, SLUICE_WINDOW_MS: '1000' });
    await sleep(IDLE_MS);
    const idle = await batches(run);
    const bound = Math.floor((Date.now() - run.startedAt) / INTERVAL_MS) + 1;
    expect(idle.length).toBeGreaterThan(0);
    expect(idle.length).toBeLessThanOrEqual(bound);
    expect(idle.filter((batch) => batch.records.consumed > 0)).toEqual([]);
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);

    await produceClicks(topic, 300);
    // The last window fires on a tick: no record comes after it.
    const rows = () =>
      readdirSync(dir)
        .filter((name) => name.endsWith('.jsonl'))
        .map((name) => readFileSync(join(dir, name), 'utf8'));
    await poll(
      async () =>
        existsSync(dir) &&
        sum(
          rows()
            .join('')
            .split('\n')
            .filter((line) => line.length > 0)
            .map((line) => JSON.parse(line) as { value: number }),
        ) >= 300
          ? true
          : undefined,
      'the 300 clicks in window files',
    );
    await stop(run);
    const files = rows();
    expect(files.filter((text) => text.length === 0)).toEqual([]);
    const values = files
      .join('')
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line) as { value: number });
    expect(sum(values)).toBe(300);
  });

  it('processes a backlog waiting at start into a Kafka topic', async () => {
    const topic = await createTopic('continuous-kafka-in');
    const output = await createTopic('continuous-kafka-out');
    await produceClicks(topic, 20_000);
    const run = await startContinuous(topic, { SLUICE_SINK: `kafka:${output}` });
    await poll(
      async () => ((await committedTotal(run.group, topic)) === 20_000 ? true : undefined),
      'the backlog of 20,000 committed',
      60_000,
    );
    await stop(run);
    const consumer = testKafka('continuous-kafka-reader').consumer({ groupId: uniqueName('reader') });
    await consumer.connect();
    await consumer.subscribe({ topics: [output], fromBeginning: true });
    let total = 0;
    await consumer.run({
      eachMessage: async ({ message }) => {
        total += (JSON.parse(message.value?.toString() ?? '{}') as { value: number }).value;
      },
    });
    await poll(async () => (total >= 20_000 ? true : undefined), 'the counts of 20,000 clicks read back');
    await consumer.disconnect();
    expect(total).toBe(20_000);
  });

  it('processes a backlog waiting at start into PostgreSQL', async () => {
    const topic = await createTopic('continuous-pg');
    const table = uniqueName('continuous').replaceAll('-', '_');
    await produceClicks(topic, 2_000);
    const run = await startContinuous(topic, { SLUICE_SINK: sinkUrl(testPostgresUrl(), table) });
    await poll(
      async () => ((await committedTotal(run.group, topic)) === 2_000 ? true : undefined),
      'the backlog of 2,000 committed',
      60_000,
    );
    await stop(run);
    const keys = await pgQuery<{ key: string }>(
      testPostgresUrl(),
      `SELECT DISTINCT key FROM "${table}" ORDER BY key`,
    );
    expect(keys.map((row) => row.key)).toEqual(URLS);
  });
});
