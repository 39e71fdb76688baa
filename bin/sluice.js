#!/usr/bin/env node
// The `sluice` command. An installed package runs its built JavaScript (dist/); a checkout of the
// repository, which has src/, runs the TypeScript sources by Node's own type stripping. Jobs may
// be TypeScript either way: Node 22.12–22.17 strips types behind a flag, so re-run with the flag
// there; Node >= 22.18 and 24 strip types by default.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { nodeVersionProblem } from './node-version.js';

// An older Node would fail on its first TypeScript file with `bad option: --experimental-strip-types`.
const tooOld = nodeVersionProblem(process.versions.node);
if (tooOld !== undefined) {
  console.error(tooOld);
  process.exit(1);
}

const source = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
const main = existsSync(source) ? source : fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url));

if (process.features.typescript) {
  await import(main);
} else {
  const flags = ['--experimental-strip-types', '--no-warnings=ExperimentalWarning'];
  const child = spawnSync(process.execPath, [...flags, main, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(child.status ?? 1);
}
