import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';

const repo = new URL('../../', import.meta.url).pathname;

/** The first ```sh block of the `## heading` section of `doc` (a path from the repository root). */
export function shellBlock(doc: string, heading: string): string {
  const text = readFileSync(`${repo}${doc}`, 'utf8');
  const section = text.split(`\n## ${heading}\n`)[1]?.split('\n## ')[0];
  const block = section?.split('```sh\n')[1]?.split('\n```')[0];
  if (block === undefined) throw new Error(`${doc} has no sh block under "## ${heading}"`);
  return block;
}

/**
 * Runs a documented shell block as a user would, in `cwd`, with bash: `npx sluice` is this
 * checkout's `bin/sluice.js` (a user's project has it in node_modules/.bin). Rejects with the
 * output when a line fails.
 */
export function runShellBlock(
  block: string,
  cwd: string,
  env: Record<string, string>,
): Promise<{ stdout: string; stderr: string }> {
  const prelude = [
    'set -euo pipefail',
    `npx() { if [[ $1 == sluice ]]; then shift; node ${JSON.stringify(`${repo}bin/sluice.js`)} "$@"; else command npx "$@"; fi; }`,
  ].join('\n');
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] => !entry[0].startsWith('SLUICE_') && entry[1] !== undefined,
    ),
  );
  return new Promise((resolve, reject) => {
    execFile(
      'bash',
      ['-c', `${prelude}\n${block}`],
      { cwd, env: { ...clean, ...env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) =>
        error ? reject(new Error(`${error.message}\n${stdout}\n${stderr}`)) : resolve({ stdout, stderr }),
    );
  });
}
