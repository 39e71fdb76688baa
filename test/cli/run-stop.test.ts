// How `sluice run` stops besides a drain of a running job: a signal while it still connects, and a
// reader that closes stdout (`sluice run | head`). Real processes; no broker is needed.
import { createServer, type Socket } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startCli } from '../support/cli.ts';
import { logged } from '../support/logs.ts';

/** A TCP server that takes connections and never answers: brokers that do not respond. */
async function silentBroker(): Promise<string> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => void sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => {
    for (const socket of sockets) socket.destroy();
    server.close();
  });
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('no address');
  return `127.0.0.1:${address.port}`;
}

describe('sluice run stops', () => {
  it('on SIGTERM while connecting to brokers that do not answer: logs the stop, exits 0', {
    timeout: 30_000,
  }, async () => {
    const cli = startCli(['run'], {
      SLUICE_BROKERS: await silentBroker(),
      SLUICE_TOPICS: 'clicks',
      SLUICE_KEY_FIELD: 'url',
    });
    onTestFinished(() => void cli.child.kill('SIGKILL'));
    await cli.waitFor(/admin HTTP server listening/);
    cli.child.kill('SIGTERM');
    const result = await cli.done;
    expect(result.code, result.stderr).toBe(0);
    const stopping = logged(
      result.stderr,
      'stopping during start-up: connecting is given up, a group join under way finishes and the group is left; no batch runs',
    );
    expect(stopping.map((line) => line.signal)).toEqual(['SIGTERM']);
    expect(logged(result.stderr, 'sluice stopped before the run started')).toHaveLength(1);
    expect(logged(result.stderr, 'sluice started')).toEqual([]);
  });

  it('when the reader closes stdout: drains and exits 0, without an unhandled error', {
    timeout: 30_000,
  }, async () => {
    const cli = startCli(['run'], {
      SLUICE_KEY_FIELD: 'url',
      SLUICE_GENERATOR_RATE: '2000',
      SLUICE_BATCH_INTERVAL_MS: '50',
      SLUICE_WORKERS: '1',
    });
    onTestFinished(() => void cli.child.kill('SIGKILL'));
    await cli.waitFor(/Time: /);
    // What `| head` does once it has its lines: the next write gets EPIPE.
    cli.child.stdout?.destroy();
    const result = await cli.done;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).not.toContain("Unhandled 'error' event");
    const draining = logged(
      result.stderr,
      'draining: finishing the batch in flight, then committing and leaving the group',
    );
    expect(draining.map((line) => line.stdout)).toEqual(['EPIPE']);
    expect(logged(result.stderr, 'sluice finished')).toHaveLength(1);
  });
});
