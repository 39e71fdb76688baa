// The exactly-once verifier, in the spirit of Kafka Streams' EOS system test: a producer writes
// sequence-numbered records over 100 keys while the engine, a stateful job with Kafka outputs, is
// killed with -9 again and again; a read_committed reader then checks every sequence number and
// every per-key window aggregate.
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { Sequenced } from '../fixtures/jobs/eos-verifier.ts';
import { runCli, startCli, waitForLines } from '../support/cli.ts';
import {
  echoId,
  readTopic as readFrom,
  sortSums,
  oracleSums as sumsOf,
  type WindowSum,
} from '../support/eos-oracle.ts';
import { committedOffsets, sharedClients, testBrokers, testKafka, uniqueName } from '../support/kafka.ts';
import { logged } from '../support/logs.ts';
import { random } from '../support/random.ts';
import { tempDirs } from '../support/temp-dirs.ts';

const kafka = sharedClients('eos-test');
const tempDir = tempDirs('sluice-eos');

const JOB = 'test/fixtures/jobs/eos-verifier.ts';
const PARTITIONS = 3;
const KEYS = 100;
const BASE = Date.UTC(2025, 0, 1);
const STEP_MS = 10;
const WINDOW_MS = 1_000;
/** Records the producer writes while the engine is killed: chunks of CHUNK every CHUNK_EVERY_MS. */
const TOTAL = 6_000;
const CHUNK = 200;
const CHUNK_EVERY_MS = 2_000;
/** Each partition ends with a record far ahead in event time: it closes every other window. */
const CLOSING = 'closing';
const MAX_RECORDS = 20;
const BATCH_MS = 50;
const CHECKPOINT_MS = 200;

const record = (i: number): Sequenced => ({
  key: `k${i % KEYS}`,
  seq: Math.floor(i / KEYS),
  at: BASE + i * STEP_MS,
});

type Setup = { readonly input: string; readonly out: string; readonly group: string; readonly dir: string };

async function setup(): Promise<Setup> {
  const input = uniqueName('eos-in');
  const out = uniqueName('eos-out');
  await kafka.admin.createTopics({
    topics: [input, `${out}-echo`, `${out}-sums`].map((topic) => ({ topic, numPartitions: PARTITIONS })),
    waitForLeaders: true,
  });
  return { input, out, group: uniqueName('eos'), dir: tempDir() };
}

function runEnv(at: Setup, guarantee: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    SLUICE_BROKERS: testBrokers().join(','),
    SLUICE_TOPICS: at.input,
    SLUICE_GROUP_ID: at.group,
    SLUICE_GUARANTEE: guarantee,
    SLUICE_TRIGGER: 'micro-batch',
    SLUICE_BATCH_INTERVAL_MS: String(BATCH_MS),
    SLUICE_MAX_RECORDS_PER_BATCH: String(MAX_RECORDS),
    SLUICE_WORKERS: '2',
    SLUICE_CHECKPOINT_DIR: at.dir,
    SLUICE_CHECKPOINT_INTERVAL_MS: String(CHECKPOINT_MS),
    // A partition whose fetch lags must hold the watermark back, or its records could be late.
    SLUICE_IDLE_TIMEOUT_MS: '600000',
    // A member killed with -9 holds its partitions until this expires: the restart waits for it.
    SLUICE_SESSION_TIMEOUT_MS: '6000',
    SLUICE_LOG_LEVEL: 'debug',
    EOS_OUT: at.out,
    EOS_WINDOW_MS: String(WINDOW_MS),
    ...extra,
  };
}

/** Writes TOTAL records by key (murmur2), in chunks over time, then one closing record a partition. */
async function produce(input: string): Promise<Sequenced[]> {
  const written: Sequenced[] = [];
  for (let from = 0; from < TOTAL; from += CHUNK) {
    const chunk = Array.from({ length: CHUNK }, (_, i) => record(from + i));
    await kafka.producer.send({
      topic: input,
      acks: -1,
      messages: chunk.map((value) => ({ key: value.key, value: JSON.stringify(value) })),
    });
    written.push(...chunk);
    await sleep(CHUNK_EVERY_MS);
  }
  const closing = { key: CLOSING, seq: 0, at: BASE + 100 * TOTAL * STEP_MS };
  await kafka.producer.send({
    topic: input,
    acks: -1,
    messages: Array.from({ length: PARTITIONS }, (_, partition) => ({
      partition,
      key: CLOSING,
      value: JSON.stringify(closing),
    })),
  });
  written.push(...Array.from({ length: PARTITIONS }, () => closing));
  return written;
}

/** Kill points: wait for this many batches, then this many ms; seeded, so a failure reproduces. */
function killPoints(count: number, seed: number): [number, number][] {
  const next = random(seed);
  return Array.from({ length: count }, (_, i) => [
    i === 0 ? 0 : 1 + Math.floor(next() * 12),
    Math.floor(next() * 120),
  ]);
}

type Run = { readonly echo: Sequenced[]; readonly sums: WindowSum[]; readonly expected: Sequenced[] };

/**
 * Produces while the engine runs and is killed at each point (a restart after each), then lets an
 * available-now run finish the input; returns what a reader sees and what was written.
 */
async function killedRuns(at: Setup, guarantee: string, kills: readonly [number, number][]) {
  const producing = produce(at.input);
  const resumeMs: number[] = [];
  for (const [batches, ms] of kills) {
    const started = Date.now();
    const cli = startCli(['run', JOB], runEnv(at, guarantee));
    await waitForLines(cli, 'batch done', Math.max(1, batches));
    resumeMs.push(Date.now() - started);
    await sleep(ms);
    cli.child.kill('SIGKILL');
    expect((await cli.done).code).toBe(null);
  }
  const expected = await producing;
  const last = await runCli(['run', JOB], runEnv(at, guarantee, { SLUICE_TRIGGER: 'available-now' }));
  expect(last.code).toBe(0);
  expect(logged(last.stderr, 'late records: older than the watermark')).toEqual([]);
  return { expected, resumeMs };
}

const oracleSums = (records: readonly Sequenced[]): WindowSum[] => sumsOf(records, WINDOW_MS);

const readTopic = <T>(topic: string, count: number, readUncommitted = false): Promise<T[]> =>
  readFrom<T>(testKafka('eos-reader'), topic, count, readUncommitted);

async function outputs(at: Setup, expected: readonly Sequenced[]): Promise<Run> {
  const sums = oracleSums(expected.filter((value) => value.key !== CLOSING));
  return {
    expected: [...expected],
    echo: await readTopic<Sequenced>(`${at.out}-echo`, expected.length),
    sums: await readTopic<WindowSum>(`${at.out}-sums`, sums.length),
  };
}

/** How often each id occurs beyond the first. */
function duplicates(ids: readonly string[]): number {
  return ids.length - new Set(ids).size;
}

const KILLS = Math.max(10, Number(process.env.SLUICE_TEST_KILLS ?? 10));

describe('exactly-once Kafka outputs under kill -9 (verifier with sequence numbers over 100 keys)', () => {
  it(
    `exactly-once: ${KILLS} kills while producing; read_committed sees every sequence number and every window sum exactly once`,
    async () => {
      const at = await setup();
      const { expected, resumeMs } = await killedRuns(at, 'exactly-once', killPoints(KILLS, 7));
      const run = await outputs(at, expected);

      const counted = expected.filter((value) => value.key !== CLOSING);
      expect(
        run.echo
          .filter((value) => value.key !== CLOSING)
          .map(echoId)
          .sort(),
      ).toEqual(counted.map(echoId).sort());
      expect(run.echo.filter((value) => value.key === CLOSING)).toHaveLength(PARTITIONS);
      expect(sortSums(run.sums)).toEqual(oracleSums(counted));
      expect(await committedOffsets(kafka.admin, at.group, at.input)).toEqual(await endOffsets(at.input));
      // What a read_uncommitted reader sees shows the kills did cut transactions short.
      const uncommitted = await readTopic<Sequenced>(`${at.out}-echo`, expected.length, true);
      console.info(
        `exactly-once, ${KILLS} kills: ${expected.length} records, 0 lost, 0 duplicated under read_committed; ` +
          `${uncommitted.length - expected.length} records of aborted transactions visible to read_uncommitted; ` +
          `start to first batch after a restart: ${resumeMs.join(', ')} ms`,
      );
    },
    300_000 + Math.max(0, KILLS - 10) * 12_000,
  );

  it('at-least-once: 4 kills while producing; nothing lost, duplicates bounded by what was in flight', async () => {
    const at = await setup();
    const kills = killPoints(4, 11);
    const { expected } = await killedRuns(at, 'at-least-once', kills);
    const run = await outputs(at, expected);

    const ids = run.echo.map(echoId);
    expect(new Set(ids)).toEqual(new Set(expected.map(echoId)));
    // Between two checkpoints at most this many batches ran, each with MAX_RECORDS a partition,
    // plus the batch in flight: what a kill can make the restart write again.
    const inFlight = (CHECKPOINT_MS / BATCH_MS + 2) * PARTITIONS * MAX_RECORDS;
    const duplicated = duplicates(ids);
    expect(duplicated).toBeLessThanOrEqual(kills.length * inFlight);
    const sums = new Set(run.sums.map((row) => JSON.stringify(row)));
    expect(sortSums([...sums].map((row) => JSON.parse(row) as WindowSum))).toEqual(
      oracleSums(expected.filter((value) => value.key !== CLOSING)),
    );
    console.info(
      `at-least-once, ${kills.length} kills: ${expected.length} records, 0 lost, ${duplicated} duplicated (bound ${kills.length * inFlight}); ` +
        `${run.sums.length - sums.size} window sums re-emitted with their oracle value`,
    );
  }, 240_000);
});

async function endOffsets(topic: string): Promise<string[]> {
  const offsets = await kafka.admin.fetchTopicOffsets(topic);
  return offsets.sort((a, b) => a.partition - b.partition).map((offset) => offset.high);
}
