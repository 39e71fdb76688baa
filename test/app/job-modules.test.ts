import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { resolveJobPath, startApp } from '../../src/app/index.ts';
import { loadJob } from '../../src/app/job.ts';
import { loadConfig } from '../../src/config/index.ts';
import { silentLogger } from '../../src/core/index.ts';
import { importJob } from '../../src/dsl/index.ts';

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/jobs/${name}`, import.meta.url));

describe('job modules', () => {
  it('resolves built-in names and paths', () => {
    expect(resolveJobPath('aggregate')).toMatch(/src\/jobs\/aggregate\.ts$/);
    expect(resolveJobPath('examples/word-count.ts', '/srv/app')).toBe('/srv/app/examples/word-count.ts');
    expect(resolveJobPath('/abs/job.ts')).toBe('/abs/job.ts');
  });

  it('refuses a module whose default export is not defineJob(...)', async () => {
    await expect(importJob(fixture('not-a-job.ts'))).rejects.toThrow(
      `job module ${fixture('not-a-job.ts')} must export default defineJob((ctx) => { ... })`,
    );
    await expect(importJob('/nowhere/job.ts')).rejects.toThrow('cannot load job module /nowhere/job.ts');
  });

  it('stops with SLUICE_JOB_MISMATCH when a worker builds a different graph than the main thread', async () => {
    const env = { SLUICE_TRIGGER: 'available-now', SLUICE_GENERATOR_EVENTS: '10', SLUICE_WORKERS: '1' };
    const app = await startApp({
      config: loadConfig(env),
      env,
      log: silentLogger,
      job: fixture('thread-dependent.ts'),
    });
    await expect(app.done).rejects.toMatchObject({
      code: 'SLUICE_JOB_MISMATCH',
      message: expect.stringContaining(
        '(main: 0:source() 1:count(0) 2:output:print(1); worker: 0:source() 1:filter(0)',
      ),
    });
  });

  it("refuses a mapAsync with onError 'dlq' without a dead-letter topic to write to", async () => {
    const env = { SLUICE_TRIGGER: 'available-now', SLUICE_WORKERS: '1', ENRICH_ON_ERROR: 'dlq' };
    const what =
      "mapAsync (node 1) sends the records of failed calls to the dead-letter topic (onError: 'dlq')";
    await expect(
      startApp({ config: loadConfig(env), env, log: silentLogger, job: fixture('enrich-http.ts') }),
    ).rejects.toMatchObject({
      code: 'SLUICE_CONFIG_INVALID',
      problems: [
        `${what}: it needs SLUICE_BROKERS and SLUICE_DLQ_TOPIC; the generator has no dead-letter topic`,
      ],
    });
  });

  it("on Kafka, asks for SLUICE_DLQ_TOPIC for a mapAsync with onError 'dlq'", async () => {
    const env = { SLUICE_BROKERS: '127.0.0.1:1', SLUICE_TOPICS: 'clicks', ENRICH_ON_ERROR: 'dlq' };
    await expect(loadJob(loadConfig(env), env, fixture('enrich-http.ts'))).rejects.toMatchObject({
      code: 'SLUICE_CONFIG_INVALID',
      problems: [
        "mapAsync (node 1) sends the records of failed calls to the dead-letter topic (onError: 'dlq'): SLUICE_DLQ_TOPIC is required",
      ],
    });
    const withTopic = { ...env, SLUICE_DLQ_TOPIC: 'dead' };
    await expect(loadJob(loadConfig(withTopic), withTopic, fixture('enrich-http.ts'))).resolves.toMatchObject(
      {
        jobPath: fixture('enrich-http.ts'),
      },
    );
  });
});
