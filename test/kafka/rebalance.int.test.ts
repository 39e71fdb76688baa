import { describe, expect, it } from 'vitest';
import { type RunningCli, startCli } from '../support/cli.ts';
import { readJsonLines, totals } from '../support/files.ts';
import { sharedClients, testBrokers, uniqueName } from '../support/kafka.ts';
import { tempDirs } from '../support/temp-dirs.ts';

const kafka = sharedClients('rebalance-test');
const tempDir = tempDirs('sluice-rebalance');

async function until(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  // A fresh broker answers the first group lookups with retriable errors: keep asking.
  while (!(await Promise.resolve(check()).catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function instance(topic: string, groupId: string): { cli: RunningCli; dir: string } {
  const dir = tempDir();
  const cli = startCli(['run', 'examples/word-count.ts'], {
    SLUICE_BROKERS: testBrokers().join(','),
    SLUICE_TOPICS: topic,
    SLUICE_GROUP_ID: groupId,
    SLUICE_VALUE_FORMAT: 'string',
    SLUICE_BATCH_INTERVAL_MS: '200',
    SLUICE_WORKERS: '1',
    SLUICE_LOG_LEVEL: 'info',
    WORD_COUNT_DIR: dir,
  });
  return { cli, dir };
}

describe('two instances in one group', () => {
  it('share the partitions after a rebalance; every record is counted exactly once', async () => {
    const topic = uniqueName('lines');
    const groupId = uniqueName('wc');
    await kafka.admin.createTopics({ topics: [{ topic, numPartitions: 4 }], waitForLeaders: true });
    const round = async (name: string): Promise<void> => {
      const messages = [0, 1, 2, 3].flatMap((partition) =>
        Array.from({ length: 20 }, (_, i) => ({ partition, value: `${name}-${partition}-${i}` })),
      );
      await kafka.producer.send({ topic, acks: -1, messages });
    };
    const committedAll = async (offset: string): Promise<boolean> => {
      const [entry] = await kafka.admin.fetchOffsets({ groupId, topics: [topic] });
      return (entry?.partitions ?? []).every((p) => p.offset === offset) && entry?.partitions.length === 4;
    };
    const assignments = (cli: RunningCli): string[][] => {
      return [...cli.output().matchAll(/"assigned":(\[[^\]]*\])/g)].map(
        (m) => JSON.parse(m[1] as string) as string[],
      );
    };

    await round('first');
    const a = instance(topic, groupId);
    await until('A to commit the first round', () => committedAll('20')).catch((error: unknown) => {
      throw new Error(`${String(error)}; A printed:\n${a.cli.output().slice(-3000)}`);
    });

    const b = instance(topic, groupId);
    await until('the rebalance', () => {
      const ofA = assignments(a.cli);
      const ofB = assignments(b.cli);
      return ofA.length >= 2 && (ofA.at(-1)?.length ?? 0) > 0 && (ofB.at(-1)?.length ?? 0) > 0;
    });
    const ownedByA = assignments(a.cli).at(-1) ?? [];
    const ownedByB = assignments(b.cli).at(-1) ?? [];
    expect([...ownedByA, ...ownedByB].sort()).toEqual([0, 1, 2, 3].map((p) => `${topic}-${p}`));

    await round('second');
    await until('both to commit the second round', () => committedAll('40'));
    a.cli.child.kill('SIGTERM');
    b.cli.child.kill('SIGTERM');
    const [resultA, resultB] = await Promise.all([a.cli.done, b.cli.done]);
    expect(resultA.code).toBe(0);
    expect(resultB.code).toBe(0);

    const countsA = totals(readJsonLines<[string, number]>(a.dir));
    const countsB = totals(readJsonLines<[string, number]>(b.dir));
    const expected: Record<string, number> = {};
    for (const name of ['first', 'second']) {
      for (const p of [0, 1, 2, 3]) for (let i = 0; i < 20; i++) expected[`${name}-${p}-${i}`] = 1;
    }
    const combined = { ...countsA };
    for (const [word, count] of Object.entries(countsB)) combined[word] = (combined[word] ?? 0) + count;
    expect(combined).toEqual(expected);
    // B only ever saw the second round, and only from its own partitions.
    for (const word of Object.keys(countsB)) {
      expect(word.startsWith('second-')).toBe(true);
      expect(ownedByB).toContain(`${topic}-${word.split('-')[1]}`);
    }
  });
});
