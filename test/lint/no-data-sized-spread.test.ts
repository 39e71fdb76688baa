import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

// The lint rule that keeps data-sized arrays out of call arguments in src/ (lint/*.grit),
// run by `npm run lint`: this proves the repository's Biome config still applies it.

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

type Diagnostic = {
  readonly category: string;
  readonly location: { readonly path: string; readonly start: { readonly line: number } };
};

/** Lints `files` (path → source) with a copy of the repository's Biome config. */
async function lint(files: Record<string, string>): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-lint-'));
  dirs.push(dir);
  await cp(join(root, 'biome.json'), join(dir, 'biome.json'));
  await cp(join(root, 'lint'), join(dir, 'lint'), { recursive: true });
  for (const [path, source] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), source);
  }
  const biome = join(root, 'node_modules/.bin/biome');
  const { stdout } = await run(biome, ['lint', '--vcs-enabled=false', '--reporter=json', '.'], {
    cwd: dir,
  }).catch((error: { stdout: string }) => ({ stdout: error.stdout }));
  const report = JSON.parse(stdout) as { diagnostics: Diagnostic[] };
  return report.diagnostics
    .filter((diagnostic) => diagnostic.category === 'plugin')
    .map((diagnostic) => `${diagnostic.location.path}:${diagnostic.location.start.line}`);
}

describe('no data-sized spread into a call in src/', () => {
  it('flags spreads and apply in calls under src/, not array or object spreads, not tests', async () => {
    const source = [
      'export function f(a: number[], b: number[]): unknown[] {',
      '  a.push(...b);',
      '  const most = Math.max(0, ...b);',
      '  const set = new Set(...[b]);',
      '  Math.min.apply(null, b);',
      '  const copy = [...a, ...b];',
      '  const object = { ...{ most } };',
      '  // biome-ignore lint/plugin/no-data-sized-spread: two values',
      '  a.push(...[1, 2]);',
      '  return [copy, object, set];',
      '}',
      '',
    ].join('\n');
    expect(await lint({ 'src/task/spread.ts': source, 'test/spread.test.ts': source })).toEqual([
      'src/task/spread.ts:2',
      'src/task/spread.ts:3',
      'src/task/spread.ts:4',
      'src/task/spread.ts:5',
    ]);
  });
});
