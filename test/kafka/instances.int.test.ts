import { describe, expect, it } from 'vitest';
import { keepingLogs, type RunningCli, startCli } from '../support/cli.ts';
import { readJsonLines } from '../support/files.ts';
import {
  assigned,
  closing,
  commitsNotOwned,
  conflicting,
  distinct,
  firstAfter,
  instanceEnv,
  type Message,
  oracle,
  PARTITIONS,
  recentLogs,
  revokedUnsaved,
  round,
  waitUntil,
} from '../support/instances.ts';
import { committedOffsets, sharedClients, testBrokers, uniqueName } from '../support/kafka.ts';
import { logged } from '../support/logs.ts';
import { tempDirs } from '../support/temp-dirs.ts';
import type { WindowRow } from '../support/window-oracle.ts';

const kafka = sharedClients('instances-test');
const tempDir = tempDirs('sluice-instances');

const PER_ROUND = 150;

/** The instances' log lines above debug, for a failure message. */
let explain: () => string = () => '';

const until = waitUntil(() => explain());

describe('several instances in one group, with joins, a leave and a kill -9', () => {
  it('window results equal the oracle, none lost; no instance commits a partition it does not own', async () => {
    await keepingLogs('sluice-instances', scenario);
  }, 180_000);
});

async function scenario(clis: Record<string, RunningCli>): Promise<void> {
  {
    const topic = uniqueName('clicks');
    const group = uniqueName('instances');
    await kafka.admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
    let produced = 0;
    const timed: ReturnType<typeof round>['timed'] = [];
    const send = async (messages: readonly Message[]): Promise<void> => {
      await kafka.producer.send({ topic, acks: -1, messages: [...messages] });
      produced += messages.length;
    };
    const sendRound = async (index: number): Promise<void> => {
      const next = round(index, PER_ROUND);
      timed.push(...next.timed);
      await send(next.messages);
    };
    const committedSum = async (): Promise<number> =>
      (await committedOffsets(kafka.admin, group, topic)).reduce(
        (sum, offset) => sum + Math.max(0, Number(offset)),
        0,
      );

    // Every instance has its own checkpoint folder: state moves only through the changelog topic.
    const sinks: string[] = [];
    const ends: Record<string, number> = {};
    explain = () =>
      `${recentLogs(clis, 40)}\n${Object.entries(clis)
        .map(([name, cli]) => `${name}: ${logged(cli.output(), 'batch done').length} batches`)
        .join('\n')}`;
    const start = (name: string): RunningCli => {
      const sink = tempDir();
      sinks.push(sink);
      const cli = startCli(['run'], instanceEnv(testBrokers().join(','), topic, group, tempDir(), sink));
      clis[name] = cli;
      void cli.done.then(() => {
        ends[name] ??= Date.now();
      });
      return cli;
    };

    await sendRound(0);
    const a = start('a');
    const b = start('b');
    await until(
      'A and B to share the partitions',
      () => assigned(a, topic).length + assigned(b, topic).length === PARTITIONS,
    );
    await until('a first commit of half the first round', async () => (await committedSum()) >= produced / 2);

    await sendRound(1);
    const c = start('c');
    await until('C to join', () => assigned(c, topic).length > 0);
    await until(
      'the second round committed',
      async () => (await committedSum()) >= produced - PARTITIONS * 40,
    );

    await sendRound(2);
    b.child.kill('SIGTERM');
    expect((await b.done).code, explain()).toBe(0);
    await until(
      'A and C to own every partition',
      () => assigned(a, topic).length + assigned(c, topic).length === PARTITIONS,
    );

    await sendRound(3);
    await until(
      'C to commit some of the fourth round',
      async () => (await committedSum()) >= produced - PARTITIONS * 60,
    );
    const killedAt = Date.now();
    ends.c = killedAt;
    c.child.kill('SIGKILL');
    await c.done;
    await until('A to own every partition', () => assigned(a, topic).length === PARTITIONS, 30_000);
    const resumedAt = firstAfter(a.output(), 'partitions assigned', killedAt) as number;

    await send(closing());
    await until('every record committed', async () => (await committedSum()) === produced);
    const expected = oracle(timed);
    const rows = (): WindowRow[] => sinks.flatMap((sink) => readJsonLines<WindowRow>(sink));
    await until('every window emitted', () => distinct(rows()).length >= expected.length, 30_000);
    a.child.kill('SIGTERM');
    expect((await a.done).code, explain()).toBe(0);

    const all = rows();
    expect(conflicting(all)).toEqual([]);
    expect(distinct(all)).toEqual(expected);
    const logs = Object.fromEntries(Object.entries(clis).map(([name, cli]) => [name, cli.output()]));
    for (const stderr of Object.values(logs)) {
      expect(logged(stderr, 'late records: older than the watermark')).toEqual([]);
    }
    expect(commitsNotOwned(logs, ends)).toEqual([]);
    expect(logged(logs.a ?? '', 'offsets committed').length).toBeGreaterThan(0);
    const revoked = Object.values(logs).flatMap((stderr) => logged(stderr, 'partitions revoked'));
    expect(revoked.length).toBeGreaterThan(0);
    expect(Object.values(logs).flatMap(revokedUnsaved)).toEqual([]);
    console.info(
      `instances: ${produced} records (${PARTITIONS} partitions, ${timed.length} counted), ${expected.length} windows, ${all.length} emissions (${all.length - expected.length} re-emitted, same values); ${revoked.length} revocations, ${revoked.filter((line) => line.checkpointed === true).length} checkpointed before the rejoin (held ${revoked.map((line) => line.waitedMs).join(', ')} ms); after kill -9, A owned C's partitions after ${resumedAt - killedAt} ms`,
    );
  }
}
