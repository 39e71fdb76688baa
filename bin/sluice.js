#!/usr/bin/env node
// Sluice is TypeScript run by Node's own type stripping. Node 22.12–22.17 has it behind a flag,
// so re-run with the flag there; Node >= 22.18 and 24 strip types by default.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { nodeVersionProblem } from './node-version.js';

// An older Node would fail on its first TypeScript file with `bad option: --experimental-strip-types`.
const tooOld = nodeVersionProblem(process.versions.node);
if (tooOld !== undefined) {
  console.error(tooOld);
  process.exit(1);
}

const main = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));

if (process.features.typescript) {
  await import(main);
} else {
  const flags = ['--experimental-strip-types', '--no-warnings=ExperimentalWarning'];
  const child = spawnSync(process.execPath, [...flags, main, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(child.status ?? 1);
}
