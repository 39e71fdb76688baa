import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type EnrichedClick, PLANS } from '../../examples/enrich-async.ts';
import { clickAt } from '../../src/task/index.ts';
import { freePort } from '../support/cli.ts';
import { runShellBlock } from '../support/doc-blocks.ts';
import { readTopicToEnd } from '../support/eos-oracle.ts';
import { readJsonLines, totals } from '../support/files.ts';
import { testBrokers, testKafka, uniqueName } from '../support/kafka.ts';
import { tempDirs } from '../support/temp-dirs.ts';

// Every example, run once as its header says: the commands of its "Run it" lines, through bash,
// on the built-in generator or on a topic the documented `sluice produce` wrote, with what it
// printed or wrote checked against its input.

const repo = new URL('../../', import.meta.url).pathname;
const tempDir = tempDirs('sluice-examples-run');

/** The commands of an example's first "Run it" block, with its topics renamed to fresh ones. */
function runIt(file: string): { commands: string; topics: Record<string, string> } {
  const lines = readFileSync(join(repo, 'examples', file), 'utf8').split('\n');
  const start = lines.findIndex((line) => line.startsWith('// Run it'));
  const block: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (!line.startsWith('//   ')) break;
    block.push(line.slice('//   '.length));
  }
  let commands = block.join('\n').replaceAll(' examples/', ` ${repo}examples/`);
  const names = new Set(
    [...commands.matchAll(/(?:--topic |topics create |SLUICE_TOPICS=|_TOPIC=)([\w.-]+)/g)].map(
      (m) => m[1] as string,
    ),
  );
  const topics: Record<string, string> = {};
  for (const name of names) {
    topics[name] = uniqueName(name);
    commands = commands.replace(new RegExp(`(?<=[ =])${name}(?=[\\s]|$)`, 'gm'), topics[name]);
  }
  return { commands, topics };
}

async function run(
  file: string,
  env: Record<string, string> = {},
): Promise<{ stdout: string; cwd: string; topics: Record<string, string> }> {
  const { commands, topics } = runIt(file);
  expect(commands.length, `examples/${file} has no "Run it" lines`).toBeGreaterThan(0);
  const cwd = tempDir();
  // Kafka only where the example reads a topic; else it runs on the generator.
  const kafka = Object.keys(topics).length > 0 ? { SLUICE_BROKERS: testBrokers().join(',') } : {};
  // An example that names its topics in the job takes the renamed ones as <NAME>_TOPIC.
  const renamed = Object.fromEntries(
    Object.entries(topics).map(([name, topic]) => [
      `${name.toUpperCase().replaceAll('-', '_')}_TOPIC`,
      topic,
    ]),
  );
  const { stdout } = await runShellBlock(commands, cwd, {
    ...kafka,
    ...renamed,
    SLUICE_HTTP_PORT: String(await freePort()),
    SLUICE_LOG_LEVEL: 'warn',
    ...env,
  });
  return { stdout, cwd, topics };
}

/** The JSON values of print()'s lines that are arrays (pairs), or objects with `field`. */
function printed(stdout: string, field?: string): unknown[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('[') || line.startsWith('{'))
    .map((line) => JSON.parse(line) as unknown)
    .filter((value) =>
      field === undefined
        ? Array.isArray(value)
        : typeof value === 'object' && value !== null && field in value,
    );
}

describe('the examples, run as their headers say', () => {
  it('every example has a "Run it" block that this file runs', () => {
    expect(readdirSync(join(repo, 'examples')).sort()).toEqual([
      'click-errors.ts',
      'enrich-async.ts',
      'logs',
      'metrics',
      'net-amounts.ts',
      'orders-with-customers.ts',
      'paid-in-time.ts',
      'running-totals.ts',
      'shop',
      'slow-pages.ts',
      'unpaid-orders.ts',
      'user-session-windows.ts',
      'user-sessions.ts',
      'word-count.ts',
    ]);
  });

  // An application in a folder of its own has a README whose commands test/examples/<name>.int.test.ts runs.
  it('every application folder has a README with commands, run by its own test', () => {
    const folders = readdirSync(join(repo, 'examples')).filter((name) =>
      statSync(join(repo, 'examples', name)).isDirectory(),
    );
    expect(folders.length).toBeGreaterThan(0);
    for (const name of folders) {
      expect(readFileSync(join(repo, 'examples', name, 'README.md'), 'utf8')).toContain('```sh\n');
      const test = join(repo, 'test', 'examples', `${name}.int.test.ts`);
      expect(existsSync(test), `test/examples/${name}.int.test.ts`).toBe(true);
      expect(readFileSync(test, 'utf8')).toContain(`readmeCommands('${name}'`);
    }
  });

  it('word-count: the counts of the produced lines', async () => {
    const { stdout } = await run('word-count.ts');
    const counts: Record<string, number> = {};
    for (const [word, count] of printed(stdout) as [string, number][])
      counts[word] = (counts[word] ?? 0) + count;
    expect(counts).toEqual({ to: 2, be: 2, or: 1, not: 1, that: 1, is: 1, the: 1, question: 1 });
  });

  it('net-amounts: orders (JSON) less refunds (text lines) per account, from two inputs', async () => {
    const { stdout } = await run('net-amounts.ts');
    const net: Record<string, number> = {};
    for (const [account, amount] of printed(stdout) as [string, number][])
      net[account] = (net[account] ?? 0) + amount;
    expect(net).toEqual({ alice: 9.5, bob: 0 });
  });

  it('unpaid-orders: the orders that no payment joins (two inputs joined over a window)', async () => {
    const { stdout } = await run('unpaid-orders.ts');
    // The day's window closes at the end of the run (a run across midnight UTC would see two).
    expect(printed(stdout, 'id')).toEqual([{ id: 'o2', account: 'bob', amount: 5 }]);
  });

  it('orders-with-customers: o1 with its customer from the table, o2 of an unknown customer with null', async () => {
    const { stdout } = await run('orders-with-customers.ts');
    const rows = (printed(stdout, 'order') as { order: string }[]).sort((a, b) =>
      a.order.localeCompare(b.order),
    );
    expect(rows).toEqual([
      { order: 'o1', amount: 10, customer: { id: 'c1', name: 'Ada', tier: 'gold' } },
      { order: 'o2', amount: 5, customer: null },
    ]);
  });

  it('paid-in-time: o1 paid 5 min after its order; o2 paid too late and o3 before its order go unpaid', async () => {
    const { stdout } = await run('paid-in-time.ts');
    const outcomes = (printed(stdout, 'order') as { order: string }[]).sort((a, b) =>
      a.order.localeCompare(b.order),
    );
    expect(outcomes).toEqual([
      { order: 'o1', account: 'alice', amount: 10, paid: 10, afterMs: 300_000 },
      { order: 'o2', account: 'bob', amount: 5, paid: null, afterMs: null },
      { order: 'o3', account: 'carol', amount: 7, paid: null, afterMs: null },
    ]);
  });

  it('running-totals: each account, its count and sum', async () => {
    const { stdout } = await run('running-totals.ts');
    const last: Record<string, unknown> = {};
    for (const [account, totals] of printed(stdout) as [string, unknown][]) last[account] = totals;
    expect(last).toEqual({
      alice: { count: 2, sum: 17.5 },
      bob: { count: 2, sum: 6 },
      carol: { count: 1, sum: 2 },
    });
  });

  it('user-sessions: sessions per generated user, each page a generated url', async () => {
    const { stdout } = await run('user-sessions.ts');
    const sessions = printed(stdout) as [string, { clicks: number; pages: string[] }][];
    expect(sessions.length).toBeGreaterThan(0);
    for (const [user, session] of sessions) {
      expect(user).toMatch(/^u\d+$/);
      expect(session.pages.length).toBeGreaterThan(0);
      for (const page of session.pages) expect(page).toMatch(/^\/p\/\d+$/);
      expect(session.clicks).toBeGreaterThanOrEqual(session.pages.length);
    }
  });

  it('user-session-windows: sessions of generated users, each at least one gap long, of 5 clicks or more', async () => {
    const { stdout } = await run('user-session-windows.ts');
    const rows = printed(stdout, 'windowStart') as {
      key: string;
      windowStart: number;
      windowEnd: number;
      value: { clicks: number; pages: number };
    }[];
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row.key).toMatch(/^u\d+$/);
      expect(row.windowEnd - row.windowStart).toBeGreaterThanOrEqual(30_000);
      expect(row.value.clicks).toBeGreaterThanOrEqual(5);
      expect(row.value.pages).toBeGreaterThanOrEqual(1);
      expect(row.value.pages).toBeLessThanOrEqual(row.value.clicks);
    }
  });

  it('slow-pages: the slowest response per page and window, each at least 490 ms', async () => {
    const { stdout } = await run('slow-pages.ts');
    const rows = printed(stdout, 'windowStart') as {
      key: string;
      windowStart: number;
      windowEnd: number;
      value: number;
    }[];
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row.key).toMatch(/^\/p\/\d+$/);
      expect(row.windowEnd - row.windowStart).toBe(10_000);
      expect(row.value).toBeGreaterThanOrEqual(490);
    }
  });

  it('click-errors: from the produced clicks, exactly the failed (4xx, 5xx) or slow (> 100 ms) ones, reshaped', async () => {
    const { topics } = await run('click-errors.ts');
    const kafka = testKafka();
    type Click = { ts: number; user: string; url: string; status: number; bytes: number; latencyMs: number };
    const clicks = await readTopicToEnd<Click>(kafka, topics.clicks as string);
    expect(clicks).toHaveLength(20_000);
    const errors = await readTopicToEnd<Record<string, unknown>>(kafka, topics['click-errors'] as string);
    const shape = ({ user, url, status, latencyMs }: Record<string, unknown>) =>
      JSON.stringify({ user, url, status, latencyMs });
    const wanted = clicks.filter((click) => click.status >= 400 || click.latencyMs > 100).map(shape);
    expect(wanted.length).toBeGreaterThan(0);
    expect(errors.map(shape).sort()).toEqual(wanted.sort());
  });

  /**
   * enrich-async's output: each generated click of the 4 partitions × 2,000 once, in its
   * partition's order, with the plan `planOf` gives its user; and the printed counts per plan.
   */
  function checkEnriched(stdout: string, cwd: string, planOf: (user: string) => string): void {
    const lines = readJsonLines<EnrichedClick>(join(cwd, 'enriched'));
    const spec = { seed: 42, partitions: 4 };
    for (let partition = 0; partition < 4; partition++) {
      const expected = Array.from({ length: 2_000 }, (_, offset) => {
        const { user, url } = clickAt(spec, partition, offset);
        return { partition, offset, user, url, plan: planOf(user) };
      });
      expect(lines.filter((line) => line.partition === partition)).toEqual(expected);
    }
    expect(totals(printed(stdout) as [string, number][])).toEqual(
      totals(lines.map((line) => [line.plan, 1])),
    );
  }

  it('enrich-async: every generated click once, in order, with its plan from the stand-in', async () => {
    const { stdout, cwd } = await run('enrich-async.ts');
    checkEnriched(stdout, cwd, (user) => PLANS[Number(user.slice(1)) % PLANS.length] ?? '');
  });

  it('enrich-async with PROFILE_URL: the plans an HTTP profile service answers', async () => {
    // Another rule than the stand-in's, so that the plans show where they came from.
    const planOf = (user: string): string => PLANS[(Number(user.slice(1)) + 1) % PLANS.length] ?? '';
    const service = createServer((request, response) => {
      const user = decodeURIComponent(request.url?.split('/').pop() ?? '');
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ plan: planOf(user) }));
    });
    await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(service.address() as AddressInfo).port}`;
      const { stdout, cwd } = await run('enrich-async.ts', { PROFILE_URL: url });
      checkEnriched(stdout, cwd, planOf);
    } finally {
      service.closeAllConnections();
      service.close();
    }
  });
});
