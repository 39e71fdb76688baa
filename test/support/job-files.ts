import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/** Sluice's DSL as a file: URL, for a job written outside the repo to import. */
export const DSL_URL = new URL('../../src/dsl/index.ts', import.meta.url).href;

/**
 * A temp folder outside the repo for job modules, removed after the file's tests: `write(name,
 * lines)` writes one (lines joined, a final newline) and returns its path.
 */
export function jobFolder(prefix: string): {
  readonly dir: string;
  write(name: string, lines: readonly string[]): string;
} {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return {
    dir,
    write(name, lines) {
      const path = join(dir, name);
      writeFileSync(path, `${lines.join('\n')}\n`);
      return path;
    },
  };
}
