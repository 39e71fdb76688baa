import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { tempDirs } from '../support/temp-dirs.ts';

const tempDir = tempDirs('sluice-operations-example');

/** The `docker run` command of docs/operations.md's "Running the container", on one line. */
function dockerRun(): string {
  const text = readFileSync(new URL('../../docs/operations.md', import.meta.url), 'utf8');
  const section = text.split('\n## Running the container\n')[1]?.split('\n## ')[0] ?? '';
  const block = section.split('```sh\n')[1]?.split('\n```')[0] ?? '';
  const command = block.slice(block.indexOf('docker run'));
  return command.replaceAll('\\\n', ' ');
}

it('docs/operations.md: the docker run example loads, with the variables an operator sets', () => {
  const command = dockerRun();
  const env = Object.fromEntries([...command.matchAll(/-e (SLUICE_\w+)=(\S+)/g)].map((m) => [m[1], m[2]]));
  // The secrets the example mounts, as files that exist here (their contents are not checked).
  const dir = tempDir();
  const files: Record<string, string> = {};
  for (const [name, path] of Object.entries(env)) {
    if (!name.endsWith('_FILE') || !path) continue;
    files[name] = join(dir, name);
    writeFileSync(files[name], 'x\n');
  }
  const config = loadConfig({ ...env, ...files }, { cpus: 4 });
  expect(Object.keys(env)).toEqual(
    expect.arrayContaining([
      'SLUICE_BROKERS',
      'SLUICE_TOPICS',
      'SLUICE_GROUP_ID',
      'SLUICE_SINK',
      'SLUICE_CHECKPOINT_DIR',
      'SLUICE_GUARANTEE',
      'SLUICE_HTTP_HOST',
      'SLUICE_HTTP_PORT',
      'SLUICE_LOG_LEVEL',
      'SLUICE_SHUTDOWN_TIMEOUT_MS',
      'SLUICE_STALL_TIMEOUT_MS',
      'SLUICE_KAFKA_SSL_CA_FILE',
      'SLUICE_KAFKA_SASL_PASSWORD_FILE',
    ]),
  );
  expect(command).toContain(`-p ${config.httpPort}:${config.httpPort} `);
  expect(command).toContain(`:${config.checkpointDir} `);
  for (const path of [env.SLUICE_KAFKA_SSL_CA_FILE, env.SLUICE_KAFKA_SASL_PASSWORD_FILE]) {
    expect(path?.startsWith('/run/secrets/')).toBe(true);
  }
  expect(command).toContain(':/run/secrets:ro ');
  // Docker's SIGKILL must come after the drain's own timeout.
  const stopTimeoutS = Number(/--stop-timeout (\d+)/.exec(command)?.[1]);
  expect(stopTimeoutS * 1000).toBeGreaterThan(config.shutdownTimeoutMs);
});
