import type { Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repartitionTopic } from '../../src/coordinator/index.ts';
import { statePartitionOf } from '../../src/task/index.ts';
import { WINDOW_MS } from '../fixtures/jobs/country-windows.ts';
import { keepingLogs, type RunningCli, startCli } from '../support/cli.ts';
import { type Received, startCollecting } from '../support/collect.ts';
import {
  assigned,
  commitsNotOwned,
  firstAfter,
  groupRunEnv,
  recentLogs,
  waitUntil,
} from '../support/instances.ts';
import { committedOffsets, sharedClients, testBrokers, testKafka, uniqueName } from '../support/kafka.ts';
import { logged, logLines } from '../support/logs.ts';
import { tempDirs } from '../support/temp-dirs.ts';
import type { WindowRow } from '../support/window-oracle.ts';

// Event-time windows by country over records keyed by user, in real `sluice run` processes of one
// group: two instances, a third joins, one leaves (SIGTERM), one is killed (-9). Partials of
// countries whose state partition another instance owns go through the repartition topic; every
// (window, country) gets exactly the oracle's sum, however often at-least-once repeats it. A
// partial (one instance's partitions only) has a smaller sum, and a second partial another value.

const kafka = sharedClients('windows-across-instances-test');
const tempDir = tempDirs('sluice-windows-across-instances');

const PARTITIONS = 6;
const USERS = Array.from({ length: 24 }, (_, i) => `user-${i}`);
const COUNTRIES = ['de', 'fr', 'it', 'es', 'pl', 'nl', 'se', 'pt'];
const PER_ROUND = 240;
/** Each round spans three windows after the last round's: its first windows close within it. */
const ROUND_MS = 3 * WINDOW_MS;
/** Far after every round: one record here in each partition fires all their windows. */
const FLUSH_AFTER_MS = 60_000;
const countryOf = (user: string): string => COUNTRIES[Number(user.slice(5)) % COUNTRIES.length] as string;

// A retried send of a plain producer can write a record twice, and a sum would count it twice.
let producer: Producer;
beforeAll(async () => {
  producer = testKafka('windows-across-instances-producer').producer({
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
});
afterAll(async () => {
  await producer?.disconnect();
});

let explain: () => string = () => '';

const until = waitUntil(() => explain());

/**
 * `latenessMs` 0: every membership change waits until what was sent is committed, and windows
 * close as rounds go by. Ten minutes (the flush record must stay within the broker's hour of
 * future timestamps): the `kill -9` comes while C reads a round, so A restores C's panes and
 * waiting windows from the last checkpoint and replays what C read since; windows close at the end.
 */
type Variant = { readonly latenessMs: number };

describe('event-time windows across instances through the repartition topic', () => {
  it('sums by a key that is not the record key: 2 then 3 instances, a leave and a kill -9; one value per window and key, the oracle', async () => {
    await keepingLogs('sluice-windows-across-instances', (clis) => scenario(clis, { latenessMs: 0 }));
  }, 240_000);

  it('the same with a kill -9 in the middle of a round (ten minutes of allowed lateness): replays change no value', async () => {
    await keepingLogs('sluice-windows-across-instances', (clis) => scenario(clis, { latenessMs: 600_000 }));
  }, 240_000);
});

async function scenario(clis: Record<string, RunningCli>, variant: Variant): Promise<void> {
  const topic = uniqueName('visits');
  const output = uniqueName('country-windows');
  const group = uniqueName('country-windows');
  // Node ids of the fixture job: source 0, withWatermark 1, map 2, windowAggregate 3.
  const repartition = repartitionTopic(group, { kind: 'windowAggregate', id: 3 });
  await kafka.admin.createTopics({
    topics: [
      { topic, numPartitions: PARTITIONS },
      { topic: output, numPartitions: 3 },
    ],
    waitForLeaders: true,
  });
  const reader = testKafka('windows-across-instances-reader').consumer({ groupId: uniqueName('reader') });
  await reader.connect();
  await reader.subscribe({ topic: output, fromBeginning: true });
  const inbox = await startCollecting(reader);
  try {
    await run(clis, { topic, output, group, repartition }, inbox.received, variant);
  } finally {
    await reader.disconnect();
  }
}

type Topics = {
  readonly topic: string;
  readonly output: string;
  readonly group: string;
  readonly repartition: string;
};

async function run(
  clis: Record<string, RunningCli>,
  { topic, output, group, repartition }: Topics,
  received: readonly Received[],
  { latenessMs }: Variant,
): Promise<void> {
  const base = Math.floor(Date.now() / WINDOW_MS) * WINDOW_MS;
  let seq = 1;
  let rounds = 0;
  const sums = new Map<string, number>();
  const sendRound = async (): Promise<void> => {
    const from = base + rounds++ * ROUND_MS;
    const messages = Array.from({ length: PER_ROUND }, (_, i) => {
      const user = USERS[seq % USERS.length] as string;
      const country = countryOf(user);
      // Rising through the round, so in every partition: no allowed lateness (withWatermark(0)).
      const time = from + Math.floor((i * ROUND_MS) / PER_ROUND);
      const id = rowId({ key: country, windowStart: windowOf(time), windowEnd: windowOf(time) + WINDOW_MS });
      sums.set(id, (sums.get(id) ?? 0) + seq);
      const value = JSON.stringify({ user, country, seq: seq++ });
      return { key: user, value, partition: statePartitionOf(user, PARTITIONS), timestamp: String(time) };
    });
    await producer.send({ topic, acks: -1, messages });
  };
  const flushAt = (): number => base + rounds * ROUND_MS + latenessMs + FLUSH_AFTER_MS;
  const sendFlush = async (): Promise<void> => {
    const messages = Array.from({ length: PARTITIONS }, (_, partition) => {
      const user = USERS.find((u) => statePartitionOf(u, PARTITIONS) === partition) ?? `flush-${partition}`;
      const value = JSON.stringify({ user, country: countryOf(user), seq: 0 });
      return { key: user, value, partition, timestamp: String(flushAt()) };
    });
    await producer.send({ topic, acks: -1, messages });
  };
  // A topic not created (the repartition topic of a job that forwards nothing) counts as empty:
  // the assertions below require forwards.
  const exists = async (name: string): Promise<boolean> => (await kafka.admin.listTopics()).includes(name);
  const committed = async (name: string): Promise<number> =>
    (await exists(name))
      ? (await committedOffsets(kafka.admin, group, name)).reduce((sum, o) => sum + Math.max(0, Number(o)), 0)
      : 0;
  const written = async (name: string): Promise<number> =>
    (await exists(name))
      ? (await kafka.admin.fetchTopicOffsets(name)).reduce((sum, o) => sum + Number(o.high), 0)
      : 0;
  const settled = async (): Promise<boolean> =>
    (await committed(topic)) === (await written(topic)) &&
    (await committed(repartition)) === (await written(repartition));

  const ends: Record<string, number> = {};
  explain = () => recentLogs(clis);
  const start = (name: string): RunningCli => {
    const cli = startCli(
      ['run'],
      groupRunEnv(testBrokers().join(','), topic, group, tempDir(), {
        SLUICE_JOB: 'test/fixtures/jobs/country-windows.ts',
        COUNTRY_WINDOWS_TOPIC: output,
        COUNTRY_WINDOWS_LATENESS_MS: String(latenessMs),
      }),
    );
    clis[name] = cli;
    void cli.done.then(() => {
      ends[name] ??= Date.now();
    });
    return cli;
  };
  const inputs = (cli: RunningCli): string[] => assigned(cli, topic);
  const share =
    (...instances: RunningCli[]) =>
    () => {
      const lists = instances.map(inputs);
      const all = lists.flat();
      return (
        lists.every((list) => list.length > 0) &&
        all.length === PARTITIONS &&
        new Set(all).size === PARTITIONS
      );
    };

  // Membership changes only once every record sent is read: with no allowed lateness, a partition
  // moved (or replayed) mid-round could reach an instance whose watermark is already past it.
  const a = start('a');
  const b = start('b');
  await until('A and B to share the input partitions', share(a, b));
  await sendRound();
  await until('the first round committed', settled);
  await sendRound();
  await until('the second round committed', settled);

  const c = start('c');
  await until('A, B and C to share the input partitions', share(a, b, c));
  await sendRound();
  await until('the third round committed', settled);

  b.child.kill('SIGTERM');
  expect((await b.done).code, explain()).toBe(0);
  await until('A and C to share the input partitions', share(a, c));
  const sentAt = Date.now();
  await sendRound();
  if (latenessMs === 0) {
    // Committed means checkpointed: A restores C's open windows and the partials forwarded to it.
    await until('the fourth round committed', settled);
  } else {
    // In the middle of the round: A replays what C read since its last checkpoint.
    await until(
      'C to run a batch of the fourth round',
      () => firstAfter(c.output(), 'batch done', sentAt, (line) => Number(line.records) > 0) !== undefined,
    );
  }

  const killedAt = Date.now();
  ends.c = killedAt;
  c.child.kill('SIGKILL');
  await c.done;
  await until('A to own every input partition', share(a), 30_000);
  const resumedAt = firstAfter(a.output(), 'partitions assigned', killedAt) as number;
  await sendRound();
  const flushFrom = flushAt();
  await sendFlush();

  const expected = Object.fromEntries([...sums].map(([id, sum]) => [id, [sum]]));
  const rows = (): WindowRow[] =>
    received
      .map((r) => JSON.parse(String(r.message.value)) as WindowRow)
      .filter((row) => row.windowStart < flushFrom);
  await until('every record and every forward committed', settled);
  const logsOnly = explain;
  explain = () => `${difference(emitted(rows()), expected)}\n${logsOnly()}`;
  await until('a row for every window and country', () => {
    const have = emitted(rows());
    return Object.keys(expected).every((id) => id in have);
  });
  explain = logsOnly;
  a.child.kill('SIGTERM');
  expect((await a.done).code, explain()).toBe(0);
  const total = await written(output);
  await until('the reader to reach the end of the output', () => received.length >= total, 30_000);

  const logs = Object.fromEntries(Object.entries(clis).map(([name, cli]) => [name, cli.output()]));
  for (const stderr of Object.values(logs)) {
    // A late record is dropped from its window's sum: then the data, not the routing, is wrong.
    expect(logged(stderr, 'late records: older than the watermark')).toEqual([]);
  }
  expect(await written(topic)).toBe(rounds * PER_ROUND + PARTITIONS);
  expect(received).toHaveLength(total);
  const emissions = rows();
  expect(emitted(emissions)).toEqual(expected);
  expect(
    received.filter((r) => String(r.message.key) !== (JSON.parse(String(r.message.value)) as WindowRow).key),
  ).toEqual([]);
  expect(Object.keys(expected)).toHaveLength(rounds * (ROUND_MS / WINDOW_MS) * COUNTRIES.length);

  // Co-assignment: whoever owns input partition q owns repartition partition q, and only then.
  for (const stderr of Object.values(logs)) {
    for (const line of logLines(stderr).filter((l) => l.msg === 'partitions assigned')) {
      const list = line.assigned as string[];
      const own = list.filter((id) => id.startsWith(`${topic}-`)).map((id) => id.slice(topic.length + 1));
      const forwards = list
        .filter((id) => id.startsWith(`${repartition}-`))
        .map((id) => id.slice(repartition.length + 1));
      expect(forwards.sort()).toEqual(own.sort());
    }
  }
  expect(commitsNotOwned(logs, ends)).toEqual([]);
  const forwarded = await written(repartition);
  expect(forwarded).toBeGreaterThan(0);
  console.info(
    `windows across instances (allowed lateness ${latenessMs} ms): ${seq - 1} records (${PARTITIONS} partitions, ${USERS.length} users, ${COUNTRIES.length} countries), ${emissions.length} rows for ${Object.keys(expected).length} (window, country) pairs, ${emissions.length - Object.keys(expected).length} repeated; ${forwarded} forwarded partials through ${repartition}; after kill -9, A owned C's partitions after ${resumedAt - killedAt} ms`,
  );
}

const windowOf = (time: number): number => time - (time % WINDOW_MS);

const rowId = (row: Omit<WindowRow, 'value'>): string => `${row.windowStart}/${row.windowEnd}/${row.key}`;

/** Per (window, country), the distinct values emitted for it, in emission order. */
function emitted(rows: readonly WindowRow[]): Record<string, number[]> {
  const values: Record<string, number[]> = {};
  for (const row of rows) {
    values[rowId(row)] ??= [];
    const seen = values[rowId(row)] as number[];
    if (!seen.includes(row.value)) seen.push(row.value);
  }
  return values;
}

/** The (window, country) pairs without a row, and those whose values are not the oracle's. */
function difference(have: Record<string, number[]>, want: Record<string, number[]>): string {
  const ids = Object.keys({ ...want, ...have }).sort();
  const missing = ids.filter((id) => !(id in have));
  const wrong = ids
    .filter((id) => id in have && JSON.stringify(have[id]) !== JSON.stringify(want[id]))
    .map((id) => `${id}: emitted ${JSON.stringify(have[id])}, oracle ${JSON.stringify(want[id] ?? [])}`);
  return `${missing.length} of ${Object.keys(want).length} without a row (${missing.slice(0, 10).join(' ')}); ${wrong.length} with other values:\n${wrong.slice(0, 20).join('\n')}`;
}
