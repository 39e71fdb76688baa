import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/cli.ts';

// Sluice as a user gets it: `npm pack` (built JavaScript and types), installed without dev
// dependencies into a project of its own with its own tsconfig.json; a job there that imports
// 'sluice' is type-checked by TypeScript, run by `npx sluice run job.ts`, tested through
// 'sluice/testing' and embedded with startJob. Its results equal the same job's run by this
// checkout's TypeScript sources: the built package is the sources.

const repo = new URL('../../', import.meta.url).pathname;
const fixtures = join(repo, 'test/fixtures/package-user');
const tsc = join(repo, 'node_modules/typescript/bin/tsc');
const EVENTS = 500;
const PARTITIONS = 2;

let project = '';

/** Runs `command` in the user's project: its exit status and output. */
function inProject(command: string, args: readonly string[], env: Record<string, string> = {}) {
  const result = spawnSync(command, args, { cwd: project, env: { ...userEnv(), ...env }, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The environment without this test run's SLUICE_* settings. */
function userEnv(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] => !entry[0].startsWith('SLUICE_') && entry[1] !== undefined,
    ),
  );
}

async function generatorRun(): Promise<Record<string, string>> {
  return {
    SLUICE_TRIGGER: 'available-now',
    SLUICE_GENERATOR_EVENTS: String(EVENTS),
    SLUICE_GENERATOR_PARTITIONS: String(PARTITIONS),
    SLUICE_GENERATOR_RATE: '0',
    SLUICE_LOG_LEVEL: 'warn',
    SLUICE_HTTP_PORT: String(await freePort()),
  };
}

/** Per URL, the counts a run of the fixture job printed, summed over its batches. */
function totals(stdout: string): Record<string, number> {
  const sums: Record<string, number> = {};
  for (const line of stdout.split('\n').filter((l) => l.length > 0)) {
    const [url, count] = line.split(' ');
    sums[url as string] = (sums[url as string] ?? 0) + Number(count);
  }
  return Object.fromEntries(Object.entries(sums).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** The JSON of the line `<label> <json>` in `stdout`. */
function lineAfter(stdout: string, label: string): unknown {
  const line = stdout.split('\n').find((l) => l.startsWith(`${label} `));
  return JSON.parse(line?.slice(label.length + 1) ?? 'null');
}

const sum = (counts: Record<string, number>): number => Object.values(counts).reduce((a, b) => a + b, 0);

describe('the npm package, installed in a project of its own', () => {
  beforeAll(() => {
    const packs = mkdtempSync(join(tmpdir(), 'sluice-pack-'));
    execFileSync('npm', ['pack', '--silent', '--pack-destination', packs], { cwd: repo, stdio: 'pipe' });
    const [tarball] = readdirSync(packs).filter((name) => name.endsWith('.tgz'));
    project = mkdtempSync(join(tmpdir(), 'sluice-user-project-'));
    cpSync(fixtures, project, { recursive: true });
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'my-stream-job', private: true, type: 'module' }),
    );
    // From npm's cache, which this checkout's install filled: no registry needed.
    const install = inProject('npm', [
      'install',
      '--omit=dev',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      join(packs, tarball as string),
    ]);
    expect(install.status, install.stderr).toBe(0);
    // The user's @types/node: this checkout's, where the project's tsconfig looks for types.
    for (const types of ['@types/node', 'undici-types'])
      cpSync(join(repo, 'node_modules', types), join(project, 'node_modules', types), { recursive: true });
  }, 240_000);

  it('ships built JavaScript and declarations, not the TypeScript sources', () => {
    const installed = join(project, 'node_modules/sluice');
    expect(readdirSync(installed).sort()).toEqual(['README.md', 'bin', 'dist', 'package.json'].sort());
    const api = readFileSync(join(installed, 'dist/src/api/index.d.ts'), 'utf8');
    expect(api).toContain('defineJob');
    const version = inProject('npx', ['sluice', '--version']);
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')).version);
  });

  it("type-checks the user's job, its test and its embedding with the user's tsconfig, and rejects a wrong type", () => {
    const checked = inProject(process.execPath, [tsc, '-p', 'tsconfig.json']);
    expect(checked.stdout + checked.stderr).toBe('');
    expect(checked.status).toBe(0);
    writeFileSync(
      join(project, 'wrong-types.ts'),
      [
        "import { type ClickEvent, defineJob } from 'sluice';",
        'export default defineJob((ctx) => {',
        '  ctx.stream<ClickEvent>().map((record) => [record.value.url, 1]).reduceByKey((a: string, b) => a + b).print();',
        '});',
      ].join('\n'),
    );
    writeFileSync(
      join(project, 'tsconfig.wrong.json'),
      JSON.stringify({ extends: './tsconfig.json', include: ['wrong-types.ts'] }),
    );
    const wrong = inProject(process.execPath, [tsc, '-p', 'tsconfig.wrong.json']);
    expect(wrong.status).not.toBe(0);
    expect(wrong.stdout).toContain('wrong-types.ts(3,');
    expect(wrong.stdout).toContain("'number' is not assignable to type 'string'");
  });

  it('runs the job with `npx sluice run job.ts` on the generator, with the same results as the sources', async () => {
    const env = await generatorRun();
    const installed = inProject('npx', ['sluice', 'run', 'job.ts'], env);
    expect(installed.status, installed.stderr).toBe(0);
    const fromSources = inProject(process.execPath, [join(repo, 'bin/sluice.js'), 'run', 'job.ts'], {
      ...env,
      SLUICE_HTTP_PORT: String(await freePort()),
    });
    expect(fromSources.status, fromSources.stderr).toBe(0);
    const counts = totals(installed.stdout);
    expect(sum(counts)).toBe(EVENTS * PARTITIONS);
    expect(counts).toEqual(totals(fromSources.stdout));
  });

  it("tests the job through 'sluice/testing'", () => {
    const driven = inProject(process.execPath, ['driver-check.ts']);
    expect(driven.status, driven.stderr).toBe(0);
    expect(lineAfter(driven.stdout, 'outputs')).toEqual([
      [
        ['/a', 2],
        ['/b', 1],
      ],
    ]);
    // The job's foreachBatch ran in the driver, on the batch's pairs.
    expect(
      driven.stdout
        .split('\n')
        .filter((line) => line.startsWith('/'))
        .sort(),
    ).toEqual(['/a 2', '/b 1']);
  });

  it('embeds the job with startJob: available-now resolves with the summary; an abort drains', async () => {
    const whole = inProject(process.execPath, ['embed.ts'], await generatorRun());
    expect(whole.status, whole.stderr).toBe(0);
    expect(lineAfter(whole.stdout, 'summary')).toMatchObject({
      records: EVENTS * PARTITIONS,
      decodeErrors: 0,
      late: 0,
    });
    const { SLUICE_TRIGGER: _, ...continuous } = await generatorRun();
    const aborted = inProject(process.execPath, ['embed.ts'], { ...continuous, EMBED_ABORT: '1' });
    expect(aborted.status, aborted.stderr).toBe(0);
    const summary = lineAfter(aborted.stdout, 'summary') as { batches: number; records: number };
    expect(summary.batches).toBeGreaterThanOrEqual(1);
    expect(summary.records).toBeGreaterThan(0);
  });
});
