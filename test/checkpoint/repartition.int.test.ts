import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repartitionTopic } from '../../src/coordinator/index.ts';
import { statePartitionOf } from '../../src/task/index.ts';
import { addSeqs } from '../fixtures/jobs/country-seqs.ts';
import { keepingLogs, type RunningCli, startCli } from '../support/cli.ts';
import {
  assigned,
  commitsNotOwned,
  firstAfter,
  groupRunEnv,
  recentLogs,
  revokedUnsaved,
  waitUntil,
} from '../support/instances.ts';
import { committedOffsets, sharedClients, testBrokers, uniqueName } from '../support/kafka.ts';
import { logged, logLines } from '../support/logs.ts';
import { tempDirs } from '../support/temp-dirs.ts';

// Keyed state by country over records keyed by user, in real `sluice run` processes of one group:
// two instances, a third joins, one leaves (SIGTERM), one is killed (-9). Keys of state partitions
// owned elsewhere go through the repartition topic; the last instance's final state per country
// equals the oracle (sets of sequence numbers: at-least-once replays cannot change them).

const kafka = sharedClients('repartition-test');
const tempDir = tempDirs('sluice-repartition');

const PARTITIONS = 6;
const USERS = Array.from({ length: 24 }, (_, i) => `user-${i}`);
const COUNTRIES = ['de', 'fr', 'it', 'es', 'pl', 'nl', 'se', 'pt'];
const PER_ROUND = 300;
const countryOf = (user: string): string => COUNTRIES[Number(user.slice(5)) % COUNTRIES.length] as string;

let explain: () => string = () => '';

const until = waitUntil(() => explain());

/** The state the last batch of an instance wrote (its file with the largest batch id). */
function lastState(dir: string): Record<string, number[]> {
  const last = readdirSync(dir)
    .filter((name) => name.endsWith('.jsonl'))
    .sort((a, b) => Number(a.split('-')[2]?.slice(0, 6)) - Number(b.split('-')[2]?.slice(0, 6)))
    .at(-1);
  if (!last) return {};
  const pairs = readFileSync(join(dir, last), 'utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as [string, number[]]);
  return Object.fromEntries(pairs);
}

describe('keyed state across instances through the repartition topic', () => {
  it('state by a key that is not the record key: 2 then 3 instances, a leave and a kill -9; the final state equals the oracle', async () => {
    await keepingLogs('sluice-repartition', scenario);
  }, 240_000);
});

async function scenario(clis: Record<string, RunningCli>): Promise<void> {
  const topic = uniqueName('visits');
  const group = uniqueName('countries');
  // Node ids of the fixture job: source 0, map 1, updateStateByKey 2.
  const repartition = repartitionTopic(group, { kind: 'updateStateByKey', id: 2 });
  await kafka.admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
  let seq = 0;
  const oracle: Record<string, number[]> = {};
  const sendRound = async (): Promise<void> => {
    const messages = Array.from({ length: PER_ROUND }, () => {
      const user = USERS[seq % USERS.length] as string;
      const country = countryOf(user);
      oracle[country] = addSeqs([seq], oracle[country]);
      const value = JSON.stringify({ user, country, seq: seq++ });
      return { key: user, value, partition: statePartitionOf(user, PARTITIONS) };
    });
    await kafka.producer.send({ topic, acks: -1, messages });
  };
  const committed = async (name: string): Promise<number> =>
    (await committedOffsets(kafka.admin, group, name)).reduce((sum, o) => sum + Math.max(0, Number(o)), 0);
  const written = async (name: string): Promise<number> =>
    (await kafka.admin.fetchTopicOffsets(name)).reduce((sum, o) => sum + Number(o.high), 0);

  const sinks: Record<string, string> = {};
  const ends: Record<string, number> = {};
  explain = () => recentLogs(clis);
  const start = (name: string): RunningCli => {
    const sink = tempDir();
    sinks[name] = sink;
    const cli = startCli(
      ['run'],
      groupRunEnv(testBrokers().join(','), topic, group, tempDir(), {
        SLUICE_JOB: 'test/fixtures/jobs/country-seqs.ts',
        COUNTRY_SEQS_DIR: sink,
      }),
    );
    clis[name] = cli;
    void cli.done.then(() => {
      ends[name] ??= Date.now();
    });
    return cli;
  };
  const owns =
    (...instances: RunningCli[]) =>
    () =>
      instances.reduce((sum, cli) => sum + assigned(cli).length, 0) === 2 * PARTITIONS;

  await sendRound();
  const a = start('a');
  const b = start('b');
  await until('A and B to share the partitions', owns(a, b));
  await until('some of the first round committed', async () => (await committed(topic)) >= PER_ROUND / 2);

  await sendRound();
  const c = start('c');
  await until('C to join', () => assigned(c).length > 0);
  await until('the second round committed', async () => (await committed(topic)) >= seq - PARTITIONS * 40);

  await sendRound();
  b.child.kill('SIGTERM');
  expect((await b.done).code, explain()).toBe(0);
  await until('A and C to own every partition', owns(a, c));

  await sendRound();
  await until(
    'C to commit some of the fourth round',
    async () => (await committed(topic)) >= seq - PARTITIONS * 60,
  );
  const killedAt = Date.now();
  ends.c = killedAt;
  c.child.kill('SIGKILL');
  await c.done;
  await until('A to own every partition', owns(a), 30_000);
  const resumedAt = firstAfter(a.output(), 'partitions assigned', killedAt) as number;

  await until('every record and every forward committed', async () => {
    return (
      // The log's end, not `seq`: a producer retry under load can write a record twice.
      (await committed(topic)) === (await written(topic)) &&
      (await committed(repartition)) === (await written(repartition))
    );
  });
  const wholeState = explain;
  explain = () => `${stateDifference(lastState(sinks.a as string), oracle)}\n${wholeState()}`;
  await until(
    'A to emit the whole state',
    () => JSON.stringify(sorted(lastState(sinks.a as string))) === JSON.stringify(sorted(oracle)),
    30_000,
  );
  explain = wholeState;
  a.child.kill('SIGTERM');
  expect((await a.done).code, explain()).toBe(0);

  expect(sorted(lastState(sinks.a as string))).toEqual(sorted(oracle));
  expect(Object.keys(oracle)).toHaveLength(COUNTRIES.length);
  const logs = Object.fromEntries(Object.entries(clis).map(([name, cli]) => [name, cli.output()]));
  // Co-assignment: whoever owns input partition q owns repartition partition q, and only then.
  for (const stderr of Object.values(logs)) {
    for (const line of logLines(stderr).filter((l) => l.msg === 'partitions assigned')) {
      const list = line.assigned as string[];
      const inputs = list.filter((id) => id.startsWith(`${topic}-`)).map((id) => id.slice(topic.length + 1));
      const forwards = list
        .filter((id) => id.startsWith(`${repartition}-`))
        .map((id) => id.slice(repartition.length + 1));
      expect(forwards.sort()).toEqual(inputs.sort());
    }
    expect(
      logged(
        stderr,
        'a key belongs to a state partition this instance does not own: repartition the stream by its key',
      ),
    ).toEqual([]);
  }
  for (const stderr of Object.values(logs)) {
    // A rebuild from the log start would lose the forwarded values of the rebuilt state partitions.
    expect(
      logged(stderr, 'no usable checkpoint: rebuilding the partition state from the start of the log'),
    ).toEqual([]);
  }
  expect(commitsNotOwned(logs, ends)).toEqual([]);
  const forwarded = await written(repartition);
  expect(forwarded).toBeGreaterThan(0);
  const revoked = Object.values(logs).flatMap((stderr) => logged(stderr, 'partitions revoked'));
  expect(revoked.length).toBeGreaterThan(0);
  expect(Object.values(logs).flatMap(revokedUnsaved)).toEqual([]);
  console.info(
    `repartition: ${seq} records (${PARTITIONS} partitions, ${USERS.length} users, ${COUNTRIES.length} countries), ${forwarded} forwarded keys through ${repartition}; ${revoked.length} revocations, ${revoked.filter((line) => line.checkpointed === true).length} checkpointed; after kill -9, A owned C's partitions after ${resumedAt - killedAt} ms`,
  );
}

/** Per country, the sequence numbers the state lacks and those it has that the oracle has not. */
function stateDifference(state: Record<string, number[]>, oracle: Record<string, number[]>): string {
  return Object.keys({ ...oracle, ...state })
    .sort()
    .map((country) => {
      const have = new Set(state[country] ?? []);
      const want = new Set(oracle[country] ?? []);
      const missing = [...want].filter((seq) => !have.has(seq));
      const extra = [...have].filter((seq) => !want.has(seq));
      return `${country}: ${have.size} of ${want.size}; missing ${missing.length} (${missing.slice(0, 20).join(' ')}), extra ${extra.length}`;
    })
    .join('\n');
}

function sorted(state: Record<string, number[]>): Record<string, number[]> {
  return Object.fromEntries(Object.entries(state).sort(([x], [y]) => (x < y ? -1 : 1)));
}
