// jobs/: the built-in jobs SLUICE_JOB can name; loaded on the main thread and in every worker slot.

import { fileURLToPath } from 'node:url';
import { siblingModule } from '../core/index.ts';

/** Built-in jobs by name; SLUICE_JOB takes one of these or a path to a job module. */
export const BUILT_IN_JOBS: Readonly<Record<string, string>> = {
  aggregate: fileURLToPath(siblingModule('./aggregate.ts', import.meta.url)),
  'running-count': fileURLToPath(siblingModule('./running-count.ts', import.meta.url)),
};
