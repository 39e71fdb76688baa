// Where `sluice run` serves its admin endpoints: the next free port after a taken default one (as
// Spark's UI), exactly SLUICE_HTTP_PORT, a port the system picks, or none. Real processes on the
// built-in generator; no broker is needed.
import { createServer, type Server } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { DEFAULT_HTTP_PORT, HTTP_PORT_TRIES } from '../../src/config/index.ts';
import { type RunningCli, startCli } from '../support/cli.ts';
import { httpGet } from '../support/http.ts';
import { type LogLine, logged } from '../support/logs.ts';

const LISTENING = 'admin HTTP server listening';

/** A live job at a gentle pace, in one slot. */
const RUN_ENV = {
  SLUICE_KEY_FIELD: 'url',
  SLUICE_GENERATOR_RATE: '1000',
  SLUICE_BATCH_INTERVAL_MS: '100',
  SLUICE_WORKERS: '1',
};

/** Listens on `port` of 127.0.0.1 until the test ends; undefined when another process has it. */
async function hold(port: number): Promise<Server | undefined> {
  const server = createServer();
  const held = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => resolve(true));
  });
  if (!held) return undefined;
  onTestFinished(() => void server.close());
  return server;
}

function start(env: Record<string, string>): RunningCli {
  const cli = startCli(['run'], { ...RUN_ENV, ...env });
  onTestFinished(() => void cli.child.kill('SIGKILL'));
  return cli;
}

/** The `admin HTTP server listening` line, once logged. */
async function listening(cli: RunningCli): Promise<LogLine> {
  await cli.waitFor(new RegExp(`"msg":"${LISTENING}"`));
  const [line] = logged(cli.stderr(), LISTENING);
  if (!line) throw new Error(`no ${LISTENING} line:\n${cli.stderr()}`);
  return line;
}

/** SIGTERM drains the run: exit 0. */
async function stop(cli: RunningCli): Promise<string> {
  cli.child.kill('SIGTERM');
  const result = await cli.done;
  expect(result.code, result.stderr).toBe(0);
  return result.stderr;
}

describe('sluice run: the admin HTTP server port', () => {
  it('with SLUICE_HTTP_PORT unset and 4040 taken, takes the next free one up to 4055 and logs it with its URL', async () => {
    // Held by this test, or already by another process: taken either way.
    await hold(DEFAULT_HTTP_PORT);
    // Empty is unset for Sluice, and keeps startCli from choosing a port.
    const cli = start({ SLUICE_HTTP_PORT: '' });
    const line = await listening(cli);
    const port = Number(line.port);
    expect(port).toBeGreaterThan(DEFAULT_HTTP_PORT);
    expect(port).toBeLessThan(DEFAULT_HTTP_PORT + HTTP_PORT_TRIES);
    expect(line).toMatchObject({ url: `http://127.0.0.1:${port}` });
    expect((line.taken as number[])[0]).toBe(DEFAULT_HTTP_PORT);
    expect((await httpGet(`http://127.0.0.1:${port}/livez`))?.status).toBe(200);
    await stop(cli);
  });

  it('with SLUICE_HTTP_PORT set and taken, exits 1 with SLUICE_HTTP naming the variable and the port', async () => {
    const holder = await hold(0);
    const address = holder?.address();
    if (!address || typeof address !== 'object') throw new Error('no port held');
    const cli = start({ SLUICE_HTTP_PORT: String(address.port) });
    const result = await cli.done;
    expect(result.code).toBe(1);
    expect(result.stderr.trimEnd().split('\n').at(-1)).toBe(
      `SLUICE_HTTP: SLUICE_HTTP_PORT=${address.port} is taken on 127.0.0.1: the admin HTTP server cannot listen there (listen EADDRINUSE: address already in use 127.0.0.1:${address.port}); set SLUICE_HTTP_PORT to a free port, 0 for one the system picks, or SLUICE_HTTP_ENABLED=false to run without the admin server`,
    );
    expect(logged(result.stderr, 'sluice started')).toEqual([]);
  });

  it('with SLUICE_HTTP_PORT=0, listens on a port the system picks and logs it', async () => {
    const cli = start({ SLUICE_HTTP_PORT: '0' });
    const line = await listening(cli);
    const port = Number(line.port);
    expect(port).toBeGreaterThan(0);
    expect(line).toMatchObject({ url: `http://127.0.0.1:${port}` });
    expect(line.taken).toBeUndefined();
    expect((await httpGet(`http://127.0.0.1:${port}/livez`))?.status).toBe(200);
    await stop(cli);
  });

  it('with SLUICE_HTTP_ENABLED=false, runs the job without the server and says so', async () => {
    const cli = start({ SLUICE_HTTP_ENABLED: 'false' });
    // A batch printed: the run works without its admin server.
    await cli.waitFor(/Time: /);
    const stderr = await stop(cli);
    expect(logged(stderr, LISTENING)).toEqual([]);
    expect(
      logged(stderr, 'admin HTTP server off (SLUICE_HTTP_ENABLED=false): no /livez, /readyz or /metrics'),
    ).toHaveLength(1);
    expect(logged(stderr, 'sluice finished')).toHaveLength(1);
  });
});
