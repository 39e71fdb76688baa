import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addAmounts, type Totals } from '../../examples/running-totals.ts';
import { statePartitionOf } from '../../src/task/index.ts';
import { runCli, startCli, waitForLines, waitForLog } from '../support/cli.ts';
import { committedOffsets, sharedClients, testBrokers, uniqueName } from '../support/kafka.ts';
import { logged, readPast } from '../support/logs.ts';
import { random } from '../support/random.ts';
import { tempDirs } from '../support/temp-dirs.ts';

// examples/running-totals.ts (updateStateByKey over keyed records) in real sluice processes:
// stopped by SIGTERM, killed with -9, restarted each time; the last run's final state is the
// oracle's, key by key.

const kafka = sharedClients('keyed-state-test');
const tempDir = tempDirs('sluice-keyed-state');

const PARTITIONS = 3;
const KEYS = Array.from({ length: 30 }, (_, i) => `user-${i}`);
const RECORDS = 3_000;
const MAX_RECORDS = 20;

type Produced = { readonly key: string; readonly amount: number | null };

function records(seed: number): Produced[] {
  const next = random(seed);
  return Array.from({ length: RECORDS }, () => ({
    key: KEYS[Math.floor(next() * KEYS.length)] as string,
    // One record in 40 is a tombstone: the key starts again.
    amount: next() < 0.025 ? null : 1 + Math.floor(next() * 9),
  }));
}

/** Each key's totals after all records, folded in production order (one key, one partition). */
function oracle(produced: readonly Produced[]): Record<string, Totals> {
  const state = new Map<string, Totals | undefined>();
  for (const { key, amount } of produced) state.set(key, addAmounts([amount], state.get(key)));
  return Object.fromEntries([...state].filter((entry): entry is [string, Totals] => entry[1] !== undefined));
}

/** The state the last batch of a run wrote: its file with the largest batch id. */
function lastState(dir: string): [string, Totals][] {
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.jsonl'))
    .sort((a, b) => Number(a.split('-')[2]?.slice(0, 6)) - Number(b.split('-')[2]?.slice(0, 6)));
  const last = files.at(-1);
  if (!last) throw new Error(`no batch file in ${dir}`);
  return readFileSync(join(dir, last), 'utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as [string, Totals]);
}

describe('updateStateByKey across real sluice processes', () => {
  it('SIGTERM, kill -9 and restarts: the final state equals the oracle', async () => {
    const topic = uniqueName('payments');
    const group = uniqueName('totals');
    const checkpoints = tempDir();
    await kafka.admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
    const produced = records(5);
    await kafka.producer.send({
      topic,
      acks: -1,
      // The partition the Java producer picks for the key: the key's state partition too.
      messages: produced.map(({ key, amount }) => ({
        key,
        value: JSON.stringify(amount),
        partition: statePartitionOf(key, PARTITIONS),
      })),
    });
    const env = (sink: string, extra: Record<string, string> = {}): Record<string, string> => ({
      SLUICE_BROKERS: testBrokers().join(','),
      SLUICE_TOPICS: topic,
      SLUICE_GROUP_ID: group,
      SLUICE_JOB: 'examples/running-totals.ts',
      SLUICE_TRIGGER: 'micro-batch',
      SLUICE_BATCH_INTERVAL_MS: '50',
      SLUICE_WORKERS: '2',
      SLUICE_MAX_RECORDS_PER_BATCH: String(MAX_RECORDS),
      SLUICE_CHECKPOINT_DIR: checkpoints,
      SLUICE_CHECKPOINT_INTERVAL_MS: '200',
      // A member killed with -9 holds its partitions until this expires: the restart waits for it.
      SLUICE_SESSION_TIMEOUT_MS: '6000',
      SLUICE_LOG_LEVEL: 'debug',
      RUNNING_TOTALS_DIR: sink,
      ...extra,
    });

    const first = startCli(['run'], env(tempDir()));
    await waitForLines(first, 'batch done', 12);
    await waitForLog(first, 'every partition read', readPast(topic, Array(PARTITIONS).fill(-1)));
    first.child.kill('SIGTERM');
    expect((await first.done).code).toBe(0);
    const stopped = await committedOffsets(kafka.admin, group, topic);
    for (const offset of stopped) expect(Number(offset)).toBeGreaterThan(0);

    // kill -9 after some batches, mid-batch, and right after the assignment.
    const stderrs: string[] = [];
    for (const [batches, ms] of [
      [8, 0],
      [5, 35],
      [-1, 0],
    ] as const) {
      const cli = startCli(['run'], env(tempDir()));
      if (batches < 0) await waitForLines(cli, 'partitions assigned', 1);
      else await waitForLines(cli, 'batch done', batches);
      await new Promise((resolve) => setTimeout(resolve, ms));
      cli.child.kill('SIGKILL');
      const result = await cli.done;
      expect(result.code).toBe(null);
      // Right after the assignment, the restore may not have logged yet.
      if (batches >= 0) stderrs.push(result.stderr);
    }
    for (const stderr of stderrs) {
      const restored = logged(stderr, 'state restored from checkpoint');
      if (restored.length !== PARTITIONS) console.error(stderr.slice(0, 6000));
      expect(restored).toHaveLength(PARTITIONS);
    }

    const sink = tempDir();
    const last = await runCli(['run'], env(sink, { SLUICE_TRIGGER: 'available-now' }));
    expect(last.code).toBe(0);
    expect(logged(last.stderr, 'state restored from checkpoint')).toHaveLength(PARTITIONS);
    const state = lastState(sink);
    expect(new Set(state.map(([key]) => key)).size).toBe(state.length);
    expect(Object.fromEntries(state)).toEqual(oracle(produced));
    // The last batch emits state partition 0's keys first, then 1's, then 2's.
    const partitions = state.map(([key]) => statePartitionOf(key, PARTITIONS));
    expect(partitions).toEqual([...partitions].sort((a, b) => a - b));
    const total = (await committedOffsets(kafka.admin, group, topic)).reduce((sum, o) => sum + Number(o), 0);
    expect(total).toBe(RECORDS);
  }, 120_000);
});
