import { describe, expect, it } from 'vitest';
import { AdminState, startAdminServer } from '../../src/admin/index.ts';
import { LatencyHistogram, silentLogger } from '../../src/core/index.ts';
import { isSluiceError } from '../../src/errors/index.ts';
import { adminServers } from './serve.ts';
import { batchStats } from './stats.ts';

const start = adminServers();

async function serve(admin = new AdminState()): Promise<{ admin: AdminState; url: string }> {
  return { admin, url: await start(admin) };
}

async function get(url: string, init?: RequestInit) {
  const response = await fetch(url, init);
  return { status: response.status, type: response.headers.get('content-type'), body: await response.text() };
}

describe('admin server', () => {
  it('/livez answers 200 while the event loop runs', async () => {
    const { url } = await serve();
    const response = await get(`${url}/livez`);
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ status: 'live' });
  });

  it('/readyz answers 503 while starting, 200 once started, 503 with the reason once stopping', async () => {
    const { admin, url } = await serve();
    expect(await get(`${url}/readyz`)).toEqual({
      status: 503,
      type: 'application/json; charset=utf-8',
      body: '{"status":"starting","reason":"waiting for the first partition assignment"}\n',
    });
    admin.readiness.started();
    expect(await get(`${url}/readyz`)).toMatchObject({ status: 200, body: '{"status":"ready"}\n' });
    admin.readiness.stopping('shutting down on SIGTERM: draining the batch in flight');
    expect(await get(`${url}/readyz`)).toMatchObject({
      status: 503,
      body: '{"status":"stopping","reason":"shutting down on SIGTERM: draining the batch in flight"}\n',
    });
  });

  it('/readyz names the failure that stops the run', async () => {
    const { admin, url } = await serve();
    admin.readiness.started();
    admin.readiness.failed(
      'SLUICE_CHECKPOINT: cannot write checkpoint /ckpt/g/clicks-0.ckpt: ENOSPC: no space left on device, write',
    );
    const response = await get(`${url}/readyz`);
    expect(response.status).toBe(503);
    expect(JSON.parse(response.body)).toEqual({
      status: 'failed',
      reason:
        'SLUICE_CHECKPOINT: cannot write checkpoint /ckpt/g/clicks-0.ckpt: ENOSPC: no space left on device, write',
    });
  });

  it('/metrics is the Prometheus text of the batches seen', async () => {
    const { admin, url } = await serve();
    admin.observeBatch(batchStats(0));
    admin.observeBatch(batchStats(1));
    const response = await get(`${url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.type).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(response.body).toContain('\nsluice_records_consumed_total 30\n');
    expect(response.body).toContain('\nsluice_batches_total 2\n');
  });

  it('/api/batches lists the recent batches as JSON, newest first', async () => {
    const { admin, url } = await serve();
    const empty = await get(`${url}/api/batches`);
    expect(empty).toMatchObject({ status: 200, body: '{"batches":[]}\n' });
    admin.observeBatch(batchStats(0));
    admin.observeBatch(batchStats(1));
    const { batches } = JSON.parse((await get(`${url}/api/batches`)).body) as {
      batches: { batchId: number; offsetRanges: unknown[] }[];
    };
    expect(batches.map((batch) => batch.batchId)).toEqual([1, 0]);
    expect(batches[0]?.offsetRanges).toEqual([
      { topic: 'clicks', partition: 0, fromOffset: '10', untilOffset: '20' },
      { topic: 'clicks', partition: 1, fromOffset: '5', untilOffset: '10' },
    ]);
  });

  it('/api/latency gives every record latency since the start, with its sparse buckets', async () => {
    const { admin, url } = await serve();
    expect(JSON.parse((await get(`${url}/api/latency`)).body)).toEqual({
      count: 0,
      meanMs: 0,
      p50Ms: 0,
      p90Ms: 0,
      p99Ms: 0,
      p999Ms: 0,
      maxMs: 0,
      sparse: [0, 0],
    });
    const latency = new LatencyHistogram();
    latency.record(5_000, 9);
    latency.record(70_000);
    admin.observeBatch(batchStats(0, { latency }));
    const body = JSON.parse((await get(`${url}/api/latency`)).body) as { sparse: number[]; p50Ms: number };
    expect(body).toMatchObject({ count: 10, meanMs: 11.5, p99Ms: 70, maxMs: 70 });
    expect(body.p50Ms).toBeGreaterThanOrEqual(5);
    expect(body.p50Ms).toBeLessThan(5.2);
    expect(LatencyHistogram.fromSparse(body.sparse).toSparse()).toEqual(latency.toSparse());
  });

  it('ignores a query: no endpoint takes parameters', async () => {
    const { url } = await serve();
    expect((await get(`${url}/readyz?force=ready`)).status).toBe(503);
  });

  it('answers 404 with JSON for an unknown path', async () => {
    const { url } = await serve();
    expect(await get(`${url}/config`)).toEqual({
      status: 404,
      type: 'application/json; charset=utf-8',
      body: `${JSON.stringify({
        error: 'not found',
        endpoints: [
          '/livez',
          '/readyz',
          '/metrics',
          '/api/batches',
          '/api/status',
          '/api/latency',
          '/api/job',
          '/api/environment',
          '/api/batch',
          '/api/state',
          '/',
          '/dashboard.js',
          '/format.js',
          '/panels.js',
          '/dashboard.css',
          '/vendor/uplot.js',
          '/vendor/uplot.css',
        ],
      })}\n`,
    });
  });

  it('answers 405 to anything but GET and HEAD', async () => {
    const { url } = await serve();
    const response = await fetch(`${url}/readyz`, { method: 'POST', body: '{"status":"ready"}' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
    expect(await response.json()).toEqual({
      error: 'method not allowed: the admin endpoints are read-only (GET, HEAD)',
    });
    const head = await fetch(`${url}/livez`, { method: 'HEAD' });
    expect([head.status, await head.text()]).toEqual([200, '']);
  });

  it('answers 500 with a short JSON message, never the stack, when an endpoint fails', async () => {
    const admin = new AdminState();
    admin.attach({
      lag: async () => {
        throw new Error('broker exploded at /secret/path');
      },
    });
    const { url } = await serve(admin);
    expect(await get(`${url}/metrics`)).toEqual({
      status: 500,
      type: 'application/json; charset=utf-8',
      body: '{"error":"/metrics failed"}\n',
    });
  });

  /** A server on `port` (up to `lastPort`) of `host`, or the error it failed with. */
  const listenOn = (port: number, lastPort = port, host = '127.0.0.1') =>
    startAdminServer({ host, port, lastPort, routes: new AdminState().routes, log: silentLogger });
  const failure = (started: Promise<unknown>): Promise<unknown> => started.catch((caught: unknown) => caught);
  const INSTEAD =
    'set SLUICE_HTTP_PORT to a free port, 0 for one the system picks, or SLUICE_HTTP_ENABLED=false to run without the admin server';

  it('fails with SLUICE_HTTP naming the variable and the port when a port that was set is taken', async () => {
    const port = Number(new URL((await serve()).url).port);
    const error = await failure(listenOn(port));
    expect(isSluiceError(error, 'SLUICE_HTTP')).toBe(true);
    expect((error as Error).message).toBe(
      `SLUICE_HTTP_PORT=${port} is taken on 127.0.0.1: the admin HTTP server cannot listen there (listen EADDRINUSE: address already in use 127.0.0.1:${port}); ${INSTEAD}`,
    );
  });

  it('takes the next free port while the first is taken, up to lastPort, and says which it found taken', async () => {
    const first = Number(new URL((await serve()).url).port);
    const server = await listenOn(first, first + 15);
    try {
      // Ports after `first` may be another process's: only `first` is known to be taken.
      expect(server.port).toBeGreaterThan(first);
      expect(server.port).toBeLessThanOrEqual(first + 15);
      expect(server.taken).toEqual(Array.from({ length: server.port - first }, (_, index) => first + index));
      expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
      expect((await get(`${server.url}/livez`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('fails with SLUICE_HTTP naming the range when every port up to lastPort is taken', async () => {
    const first = Number(new URL((await serve()).url).port);
    // The next port is taken by this test, or already by another process.
    const next = await listenOn(first + 1).catch(() => undefined);
    try {
      const error = await failure(listenOn(first, first + 1));
      expect(isSluiceError(error, 'SLUICE_HTTP')).toBe(true);
      expect((error as Error).message).toBe(
        `the admin HTTP server found ports ${first} to ${first + 1} on 127.0.0.1 all taken (SLUICE_HTTP_PORT unset tries them in turn); ${INSTEAD}`,
      );
    } finally {
      await next?.close();
    }
  });

  it('names both variables when the address cannot be bound at all', async () => {
    const error = await failure(listenOn(0, 0, '192.0.2.1'));
    expect(isSluiceError(error, 'SLUICE_HTTP')).toBe(true);
    expect((error as Error).message).toMatch(
      /^the admin HTTP server cannot listen on 192\.0\.2\.1:0 \(SLUICE_HTTP_HOST, SLUICE_HTTP_PORT\): listen EADDRNOTAVAIL/,
    );
  });
});
