import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { AdminState, type StatusJson } from '../../src/admin/index.ts';
import { adminServers } from './serve.ts';

const serve = adminServers();

async function get(url: string) {
  const response = await fetch(url);
  return { status: response.status, type: response.headers.get('content-type'), body: await response.text() };
}

const require = createRequire(import.meta.url);

describe('the dashboard', () => {
  it('serves the page, its script and style, and uPlot from the installed package', async () => {
    const url = await serve(new AdminState());
    const page = await get(`${url}/`);
    expect(page).toMatchObject({ status: 200, type: 'text/html; charset=utf-8' });
    // Relative links: the page also works behind a proxy that mounts it under a prefix.
    for (const link of ['vendor/uplot.css', 'dashboard.css', 'dashboard.js']) {
      expect(page.body).toContain(`"${link}"`);
    }
    expect(page.body).not.toMatch(/https?:\/\//);
    expect(await get(`${url}/dashboard.js`)).toMatchObject({
      status: 200,
      type: 'text/javascript; charset=utf-8',
    });
    expect((await get(`${url}/dashboard.css`)).type).toBe('text/css; charset=utf-8');
    expect(await get(`${url}/vendor/uplot.js`)).toEqual({
      status: 200,
      type: 'text/javascript; charset=utf-8',
      body: readFileSync(require.resolve('uplot/dist/uPlot.esm.js'), 'utf8'),
    });
    expect(await get(`${url}/vendor/uplot.css`)).toEqual({
      status: 200,
      type: 'text/css; charset=utf-8',
      body: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
    });
  });

  it('/api/status answers readiness, lag per owned partition and slot utilisation', async () => {
    const admin = new AdminState();
    const url = await serve(admin);
    expect(JSON.parse((await get(`${url}/api/status`)).body)).toEqual({
      status: 'starting',
      reason: 'waiting for the first partition assignment',
      lag: [],
      slots: [],
    } satisfies StatusJson);
    admin.attach({
      lag: async () => [
        { topic: 'clicks', partition: 0, lag: 0n },
        { topic: 'clicks', partition: 1, lag: 12n },
      ],
      utilization: () => [0.25, 0.5],
    });
    admin.readiness.started();
    expect(await get(`${url}/api/status`)).toEqual({
      status: 200,
      type: 'application/json; charset=utf-8',
      body: `${JSON.stringify({
        status: 'ready',
        // No batch yet: no rate to read partition 1's lag at, so no time for it.
        lag: [
          { topic: 'clicks', partition: 0, lag: 0, lagMs: 0 },
          { topic: 'clicks', partition: 1, lag: 12, lagMs: null },
        ],
        slots: [
          { slot: 0, utilization: 0.25 },
          { slot: 1, utilization: 0.5 },
        ],
      })}\n`,
    });
  });

  it('/api/status is a short 500 when the lag cannot be read, never the error text', async () => {
    const admin = new AdminState();
    admin.attach({
      lag: async () => {
        throw new Error('broker exploded at /secret/path');
      },
    });
    expect(await get(`${await serve(admin)}/api/status`)).toMatchObject({
      status: 500,
      body: '{"error":"/api/status failed"}\n',
    });
  });
});
