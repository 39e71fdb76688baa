import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startPostgres, stopPostgres } from '../../scripts/local-postgres/index.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
  }
}

/**
 * Gives integration tests a real PostgreSQL: the one in SLUICE_TEST_PG when set, otherwise a
 * throwaway cluster on 127.0.0.1 that lives as long as the test run.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const given = process.env.SLUICE_TEST_PG;
  if (given) {
    project.provide('postgresUrl', given);
    return async () => {};
  }
  const dir = mkdtempSync(join(tmpdir(), 'sluice-test-pg-'));
  const cluster = await startPostgres({ dir, log: (line) => console.log(`[postgres] ${line}`) });
  project.provide('postgresUrl', cluster.url);
  return async () => {
    await stopPostgres(dir);
    rmSync(dir, { recursive: true, force: true });
  };
}
