import { describe, expect, it, onTestFailed } from 'vitest';
import { repartitionTopic } from '../../src/coordinator/index.ts';
import { statePartitionOf } from '../../src/task/index.ts';
import {
  keepingLogs,
  killIfRunning,
  type RunningCli,
  runCli,
  startCli,
  waitForLines,
  waitForLog,
} from '../support/cli.ts';
import { readJsonLines } from '../support/files.ts';
import { assigned, groupRunEnv, recentLogs, waitUntil } from '../support/instances.ts';
import { committedOffsets, sharedClients, testBrokers, uniqueName } from '../support/kafka.ts';
import { finishedSummary, logged, readPast } from '../support/logs.ts';
import { random } from '../support/random.ts';
import { tempDirs } from '../support/temp-dirs.ts';
import {
  afterRetractions,
  lastValues,
  sessionCounts,
  sortRows,
  type TimedKey,
  type WindowRow,
  wrongValues,
} from '../support/window-oracle.ts';

// Session windows of the built-in aggregate job, configured by env alone, against the broker:
// real `sluice run` processes over a 4-partition topic whose users have clicks in every partition.

const kafka = sharedClients('session-windows-test');
const tempDir = tempDirs('sluice-sessions');

const BASE = Date.UTC(2025, 0, 1);
const PARTITIONS = 4;
const PER_PARTITION = 300;
const TOTAL = PARTITIONS * PER_PARTITION;
const STEP_MS = 100;
const JITTER_MS = 1_500;
const GAP_MS = 2_000;
/** Every BURST records a partition pauses PAUSE_MS: sessions end there, whatever the users. */
const BURST = 25;
const PAUSE_MS = 6_000;
const USERS = ['u0', 'u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7', 'u8', 'u9'] as const;

type Produced = TimedKey & { readonly partition: number };

/**
 * A record lies less than JITTER_MS behind its partition's nominal clock (which only moves ahead),
 * so with that allowed lateness none is late however the batches are cut; out of order, a record
 * can still bridge two sessions of its user that the records before it had kept apart. With
 * `closing`, each partition ends with a record far ahead: it lets a checkpointed run close every
 * other session (its own stays open, in the checkpoint).
 */
function clicks(seed: number, closing = false): Produced[] {
  const next = random(seed);
  const records: Produced[] = [];
  for (let partition = 0; partition < PARTITIONS; partition++) {
    for (let i = 0; i < PER_PARTITION - (closing ? 1 : 0); i++) {
      const nominal = BASE + partition * 300 + i * STEP_MS + Math.floor(i / BURST) * PAUSE_MS;
      const key = USERS[Math.floor(next() * USERS.length)] as string;
      records.push({ partition, key, time: nominal - Math.floor(next() * JITTER_MS) });
    }
    if (closing) records.push({ partition, key: 'closing', time: BASE + 10 * PER_PARTITION * PAUSE_MS });
  }
  return records;
}

async function topicWith(records: readonly Produced[]): Promise<string> {
  const topic = uniqueName('clicks');
  await kafka.admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
  await topicWithin(topic, records);
  return topic;
}

/** Writes `records` to `topic`, each in its partition. */
async function topicWithin(topic: string, records: readonly Produced[]): Promise<void> {
  await kafka.producer.send({
    topic,
    acks: -1,
    messages: records.map((record) => ({
      partition: record.partition,
      value: JSON.stringify({ user: record.key, ts: record.time, url: '/p' }),
    })),
  });
}

function sessionEnv(topic: string, extra: Record<string, string>): Record<string, string> {
  return {
    SLUICE_BROKERS: testBrokers().join(','),
    SLUICE_TOPICS: topic,
    SLUICE_GROUP_ID: uniqueName('sessions'),
    SLUICE_TRIGGER: 'available-now',
    SLUICE_WORKERS: '2',
    SLUICE_KEY_FIELD: 'user',
    SLUICE_AGG: 'count',
    SLUICE_WINDOW_TYPE: 'session',
    SLUICE_SESSION_GAP_MS: String(GAP_MS),
    SLUICE_TIME: 'event',
    SLUICE_TIMESTAMP_FIELD: 'ts',
    SLUICE_ALLOWED_LATENESS_MS: String(JITTER_MS),
    // A partition whose fetch lags must hold the watermark back, or its records could be late.
    SLUICE_IDLE_TIMEOUT_MS: '600000',
    SLUICE_MAX_RECORDS_PER_BATCH: '10',
    SLUICE_LOG_LEVEL: 'info',
    ...extra,
  };
}

/** Sessions whose records came from more than one partition: proof the merge across them was needed. */
function crossPartition(records: readonly Produced[], oracle: readonly WindowRow[]): number {
  return oracle.filter((row) => {
    const inside = records.filter(
      (record) => record.key === row.key && record.time >= row.windowStart && record.time < row.windowEnd,
    );
    return new Set(inside.map((record) => record.partition)).size > 1;
  }).length;
}

/** How many of `rows` hold a record of an offset below `stopped` (read before a restart). */
function spanning(
  records: readonly Produced[],
  stopped: readonly string[],
  rows: readonly WindowRow[],
): number {
  const offsets = new Map<Produced, number>();
  const next = new Map<number, number>();
  for (const record of records) {
    const offset = next.get(record.partition) ?? 0;
    offsets.set(record, offset);
    next.set(record.partition, offset + 1);
  }
  return rows.filter((row) =>
    records.some(
      (record) =>
        record.key === row.key &&
        record.time >= row.windowStart &&
        record.time < row.windowEnd &&
        (offsets.get(record) as number) < Number(stopped[record.partition]),
    ),
  ).length;
}

/** 'batch done' lines are debug. */
const MICRO_BATCH = {
  SLUICE_TRIGGER: 'micro-batch',
  SLUICE_BATCH_INTERVAL_MS: '50',
  SLUICE_LOG_LEVEL: 'debug',
};

/** A group with a checkpoint folder over `topic`: each run's env, with its file sink. */
function checkpointed(topic: string) {
  const group = uniqueName('sessions-ckpt');
  const checkpoints = tempDir();
  const env = (sink: string, extra: Record<string, string> = {}) =>
    sessionEnv(topic, {
      SLUICE_GROUP_ID: group,
      SLUICE_CHECKPOINT_DIR: checkpoints,
      SLUICE_CHECKPOINT_INTERVAL_MS: '200',
      // A member killed with -9 holds its partitions until this expires: the restart waits for it.
      SLUICE_SESSION_TIMEOUT_MS: '6000',
      SLUICE_SINK: `file:${sink}`,
      ...extra,
    });
  return { group, env };
}

describe('session windows of the aggregate job on a 4-partition topic', () => {
  it('final mode: the session counts equal the oracle computed from the produced clicks, each session once', async () => {
    const records = clicks(7);
    const oracle = sessionCounts(records, GAP_MS);
    expect(oracle.length).toBeGreaterThanOrEqual(USERS.length * (PER_PARTITION / BURST));
    expect(crossPartition(records, oracle)).toBeGreaterThan(oracle.length / 2);
    const topic = await topicWith(records);
    const dir = tempDir();

    const result = await runCli(['run'], sessionEnv(topic, { SLUICE_SINK: `file:${dir}` }));

    expect(result.code).toBe(0);
    expect(finishedSummary(result.stderr)).toEqual({ records: TOTAL, decodeErrors: 0, late: 0 });
    const rows = readJsonLines<WindowRow>(dir);
    expect(rows).toHaveLength(oracle.length);
    expect(sortRows(rows)).toEqual(oracle);
  });

  it('update mode: the rows, retractions applied, leave the oracle; merged-away sessions are retracted', async () => {
    const records = clicks(8);
    const topic = await topicWith(records);
    const dir = tempDir();

    const result = await runCli(
      ['run'],
      sessionEnv(topic, { SLUICE_SINK: `file:${dir}`, SLUICE_EMIT: 'update' }),
    );

    expect(result.code).toBe(0);
    expect(finishedSummary(result.stderr)).toEqual({ records: TOTAL, decodeErrors: 0, late: 0 });
    const rows = readJsonLines<WindowRow & { retracted?: true }>(dir);
    const retractions = rows.filter((row) => row.retracted);
    expect(retractions.length).toBeGreaterThan(0);
    expect(retractions.every((row) => row.value === null)).toBe(true);
    expect(afterRetractions(rows)).toEqual(sessionCounts(records, GAP_MS));
  });

  it('a restart from a checkpoint mid-stream (SIGTERM, then a new process) changes no session', async () => {
    const records = clicks(9, true);
    const oracle = sessionCounts(
      records.filter((record) => record.key !== 'closing'),
      GAP_MS,
    );
    const topic = await topicWith(records);
    const at = checkpointed(topic);
    const [first, second] = [tempDir(), tempDir()];
    const cli = startCli(['run'], at.env(first, MICRO_BATCH));
    onTestFailed(() => killIfRunning(cli));
    const read = readPast(topic, Array(PARTITIONS).fill('-1'));
    let done = 0;
    let readAll = false;
    await waitForLog(cli, '10 batches, every partition read and a session emitted', (line) => {
      if (line.msg !== 'batch done') return false;
      done++;
      readAll ||= read(line);
      return done >= 10 && readAll && readJsonLines(first).length > 0;
    });
    cli.child.kill('SIGTERM');
    expect((await cli.done).code).toBe(0);
    const stopped = await committedOffsets(kafka.admin, at.group, topic);
    for (const offset of stopped) expect(Number(offset)).toBeLessThan(PER_PARTITION);

    const resumed = await runCli(['run'], at.env(second));
    expect(resumed.code).toBe(0);
    expect(logged(resumed.stderr, 'state restored from checkpoint')).toHaveLength(PARTITIONS);
    const restored = stopped.reduce((total, offset) => total + Number(offset), 0);
    expect(finishedSummary(resumed.stderr)).toEqual({ records: TOTAL - restored, decodeErrors: 0, late: 0 });

    const before = readJsonLines<WindowRow>(first);
    const after = readJsonLines<WindowRow>(second);
    expect(before.length).toBeGreaterThan(0);
    expect(sortRows([...before, ...after])).toEqual(oracle);
    // Sessions the second process emitted whole, with records only the first one read.
    expect(spanning(records, stopped, after)).toBeGreaterThan(0);
    expect(await committedOffsets(kafka.admin, at.group, topic)).toEqual(
      Array(PARTITIONS).fill(String(PER_PARTITION)),
    );
  }, 120_000);

  it('kill -9 at three points, each followed by a restart: every session ends at its oracle value, none lost', async () => {
    const records = clicks(10, true);
    const oracle = sessionCounts(
      records.filter((record) => record.key !== 'closing'),
      GAP_MS,
    );
    const topic = await topicWith(records);
    const at = checkpointed(topic);
    const sinks: string[] = [];
    for (const batches of [3, 8, 14]) {
      const sink = tempDir();
      sinks.push(sink);
      const cli = startCli(['run'], at.env(sink, MICRO_BATCH));
      onTestFailed(() => killIfRunning(cli));
      await waitForLines(cli, 'batch done', batches);
      cli.child.kill('SIGKILL');
      expect((await cli.done).code).toBe(null);
    }
    const sink = tempDir();
    sinks.push(sink);
    const last = await runCli(['run'], at.env(sink));
    expect(last.code).toBe(0);
    expect(finishedSummary(last.stderr)).toMatchObject({ decodeErrors: 0, late: 0 });

    const rows = sinks.flatMap((dir) => readJsonLines<WindowRow>(dir));
    expect(wrongValues(rows, oracle)).toEqual([]);
    expect(lastValues(rows)).toEqual(oracle);
    expect(await committedOffsets(kafka.admin, at.group, topic)).toEqual(
      Array(PARTITIONS).fill(String(PER_PARTITION)),
    );
  }, 120_000);

  it('two instances of one group: each session once, from the owner of its user, equal to the oracle', async () => {
    await keepingLogs('sluice-sessions-instances', async (clis) => {
      const records = clicks(11, true);
      const oracle = sessionCounts(
        records.filter((record) => record.key !== 'closing'),
        GAP_MS,
      );
      const topic = uniqueName('clicks');
      await kafka.admin.createTopics({
        topics: [{ topic, numPartitions: PARTITIONS }],
        waitForLeaders: true,
      });
      const group = uniqueName('sessions-group');
      const sinks = { a: tempDir(), b: tempDir() };
      const explain = () => recentLogs(clis);
      const until = waitUntil(explain);
      for (const name of ['a', 'b'] as const) {
        clis[name] = startCli(
          ['run'],
          groupRunEnv(testBrokers().join(','), topic, group, tempDir(), {
            ...sessionEnv(topic, { SLUICE_SINK: `file:${sinks[name]}` }),
            ...MICRO_BATCH,
            SLUICE_GROUP_ID: group,
          }),
        );
      }
      const owned = (name: 'a' | 'b'): number[] =>
        assigned(clis[name] as RunningCli, topic).map((id) => Number(id.slice(id.lastIndexOf('-') + 1)));
      await until('both instances own input partitions', () => {
        const [a, b] = [owned('a'), owned('b')];
        return a.length > 0 && b.length > 0 && new Set([...a, ...b]).size === PARTITIONS;
      });
      await topicWithin(topic, records);
      const rows = (name: 'a' | 'b') => readJsonLines<WindowRow>(sinks[name]);
      await until('every session emitted', () => rows('a').length + rows('b').length >= oracle.length);
      for (const cli of Object.values(clis)) cli.child.kill('SIGTERM');
      for (const cli of Object.values(clis)) expect((await cli.done).code).toBe(0);

      expect(sortRows([...rows('a'), ...rows('b')])).toEqual(oracle);
      // Sessions of users whose state partition the other instance owns went through the topic.
      const repartition = repartitionTopic(group, { kind: 'windowAggregate', id: 4 });
      const forwarded = await kafka.admin.fetchTopicOffsets(repartition);
      expect(forwarded.reduce((total, { high }) => total + Number(high), 0)).toBeGreaterThan(0);
      for (const name of ['a', 'b'] as const) {
        expect(rows(name).length).toBeGreaterThan(0);
        for (const row of rows(name)) expect(owned(name)).toContain(statePartitionOf(row.key, PARTITIONS));
      }
    });
  }, 120_000);
});
