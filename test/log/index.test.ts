import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { LogFormat } from '../../src/log/index.ts';

const LOG_MODULE = fileURLToPath(new URL('../../src/log/index.ts', import.meta.url));

/** A process that logs one error line in `format` and exits 1 right after it, as a failing run does. */
function logThenExit(format: LogFormat): { status: number | null; stderr: string } {
  const script = `
    const { createLogger } = await import(${JSON.stringify(LOG_MODULE)});
    const log = createLogger('info', ${JSON.stringify(format)});
    log.debug({}, 'not at info');
    log.error({ timeoutMs: 30000 }, 'shutdown took longer than SLUICE_SHUTDOWN_TIMEOUT_MS');
    process.exit(1);
  `;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { status: child.status, stderr: child.stderr };
}

describe('createLogger', () => {
  it('pretty: writes the last line before process.exit, as text, without the service field', () => {
    const { status, stderr } = logThenExit('pretty');
    expect(status).toBe(1);
    expect(stderr).toMatch(
      /^\[\d\d:\d\d:\d\d\.\d{3}\] ERROR: shutdown took longer than SLUICE_SHUTDOWN_TIMEOUT_MS\n {4}timeoutMs: 30000\n$/,
    );
  });

  it('json: writes the last line before process.exit, as one JSON object', () => {
    const { status, stderr } = logThenExit('json');
    expect(status).toBe(1);
    const lines = stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({
      level: 50,
      service: 'sluice',
      timeoutMs: 30000,
      msg: 'shutdown took longer than SLUICE_SHUTDOWN_TIMEOUT_MS',
    });
  });
});
