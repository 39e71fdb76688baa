import { describe, expect, it } from 'vitest';
import { AdminState } from '../../src/admin/index.ts';
import { hostAllowed } from '../../src/admin/request-guard.ts';
import { rawRequest } from '../support/http.ts';
import { adminServers } from './serve.ts';

const start = adminServers();

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

async function get(url: string, path: string, headers: readonly string[]) {
  const { response } = rawRequest(url, [`GET ${path} HTTP/1.1`, ...headers, '', ''].join('\r\n'));
  return response;
}

describe('the Host header (DNS rebinding)', () => {
  it('answers 421 for a name that is not this server, before any endpoint runs', async () => {
    const url = await start(new AdminState(), { allowedHosts: ['sluice.internal', '.svc.example'] });
    for (const host of [
      'evil.example',
      'evil.example:4040',
      'sluice.internal.evil.example',
      'svc.example.com',
    ]) {
      const answer = await get(url, '/readyz', [`Host: ${host}`]);
      expect({ host, status: answer.status, body: JSON.parse(answer.body) }).toEqual({
        host,
        status: 421,
        body: {
          error: `Host ${JSON.stringify(host)} is not this server: allowed are localhost, IP addresses, SLUICE_HTTP_HOST and SLUICE_HTTP_ALLOWED_HOSTS`,
        },
      });
      expect(answer.headers).toMatchObject(SECURITY_HEADERS);
    }
  });

  it('answers localhost, IP addresses and the listed names', async () => {
    const url = await start(new AdminState(), { allowedHosts: ['sluice.internal', '.svc.example'] });
    const port = new URL(url).port;
    for (const host of [
      `localhost:${port}`,
      'LOCALHOST',
      `127.0.0.1:${port}`,
      '127.9.8.7',
      `[::1]:${port}`,
      '10.1.2.3:4040',
      'sluice.internal',
      'Sluice.Internal.:4040',
      'svc.example',
      'sluice.ns.svc.example',
    ]) {
      const answer = await get(url, '/livez', [`Host: ${host}`]);
      expect({ host, status: answer.status }).toEqual({ host, status: 200 });
    }
  });

  it('takes the bound host as allowed, IPv6 written either way', () => {
    expect(hostAllowed('sluice-a:4040', { bound: 'sluice-a', allowed: [] })).toBe(true);
    expect(hostAllowed('sluice-b:4040', { bound: 'sluice-a', allowed: [] })).toBe(false);
    expect(hostAllowed('[::1]', { bound: '::1', allowed: [] })).toBe(true);
    expect(hostAllowed('[fe80::1]:80', { bound: '0.0.0.0', allowed: [] })).toBe(true);
    expect(hostAllowed('[not-an-ip]', { bound: '0.0.0.0', allowed: [] })).toBe(false);
    expect(hostAllowed('a:b:c', { bound: '0.0.0.0', allowed: [] })).toBe(false);
    expect(hostAllowed('', { bound: '0.0.0.0', allowed: [] })).toBe(false);
    expect(hostAllowed(undefined, { bound: '0.0.0.0', allowed: [] })).toBe(true);
  });
});

describe('request bodies', () => {
  it('refuses a 2 GB body on GET /livez with 413 and closes the connection without reading it', async () => {
    const url = await start(new AdminState());
    const { response, closed, socket } = rawRequest(
      url,
      ['GET /livez HTTP/1.1', 'Host: localhost', 'Content-Length: 2147483648', '', 'x'.repeat(4096)].join(
        '\r\n',
      ),
    );
    const answer = await response;
    expect(answer.status).toBe(413);
    expect(answer.headers).toMatchObject({ connection: 'close', ...SECURITY_HEADERS });
    expect(JSON.parse(answer.body)).toEqual({
      error: 'request bodies are refused: the admin endpoints take none',
    });
    // The server ends the connection; the 2 GB it was promised are never asked for.
    await closed;
    expect(socket.bytesWritten).toBeLessThan(10_000);
  });

  it('refuses a chunked body, and answers at once to Expect: 100-continue without inviting it', async () => {
    const url = await start(new AdminState());
    const chunked = await get(url, '/metrics', ['Host: localhost', 'Transfer-Encoding: chunked']);
    expect(chunked.status).toBe(413);
    const expecting = await get(url, '/livez', [
      'Host: localhost',
      'Content-Length: 1000000',
      'Expect: 100-continue',
    ]);
    expect(expecting.status).toBe(413);
  });

  it('answers a GET with Content-Length: 0 and keeps the connection', async () => {
    const url = await start(new AdminState());
    const answer = await get(url, '/livez', ['Host: localhost', 'Content-Length: 0']);
    expect(answer.status).toBe(200);
    expect(answer.headers.connection).toBe('keep-alive');
  });
});

describe('security headers', () => {
  it('go with every answer: the dashboard, JSON, 404, 405', async () => {
    const url = await start(new AdminState());
    const answers = await Promise.all([
      get(url, '/', ['Host: localhost']),
      get(url, '/dashboard.js', ['Host: localhost']),
      get(url, '/livez', ['Host: localhost']),
      get(url, '/nope', ['Host: localhost']),
      rawRequest(url, 'DELETE /livez HTTP/1.1\r\nHost: localhost\r\n\r\n').response,
    ]);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 404, 405]);
    for (const answer of answers) expect(answer.headers).toMatchObject(SECURITY_HEADERS);
  });
});
