// `npm run build`: compiles src/ to dist/ (tsconfig.build.json) and copies the dashboard's static files next to it.
import { spawnSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const dist = `${root}dist`;
rmSync(dist, { recursive: true, force: true });
// typescript's exports map hides bin/tsc; its package.json is exported.
const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
const compiled = spawnSync(process.execPath, [tsc, '-p', `${root}tsconfig.build.json`], { stdio: 'inherit' });
if (compiled.status !== 0) process.exit(compiled.status ?? 1);
cpSync(`${root}src/admin/dashboard`, `${dist}/src/admin/dashboard`, { recursive: true });
// stderr: `npm pack --json` prints its JSON on stdout, after the prepack script's output.
console.error(`built ${dist}`);
