// The read-only admin HTTP server: listens on SLUICE_HTTP_HOST/PORT, guards requests, answers from routes.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../core/index.ts';
import { ErrorCode, SluiceError } from '../errors/index.ts';
import { hasBody, refusal, SECURITY_HEADERS } from './request-guard.ts';
import { json } from './routes.ts';
import type { AdminResponse, Route } from './types.ts';

export type AdminServerOptions = {
  readonly host: string;
  /** Host header names answered besides localhost, IP addresses and `host` (SLUICE_HTTP_ALLOWED_HOSTS). */
  readonly allowedHosts?: readonly string[];
  /** 0 picks a free port (tests); `port` on the result says which. */
  readonly port: number;
  readonly routes: ReadonlyMap<string, Route>;
  readonly log: Logger;
};

export type AdminServer = {
  readonly port: number;
  readonly url: string;
  /** Stops listening and drops open connections (a scraper's keep-alive would hold it open). */
  close(): Promise<void>;
};

/**
 * The read-only admin HTTP server: GET/HEAD on known paths; errors are short JSON, never a stack.
 * A request for another site's Host or with a body is refused before any route runs.
 */
export async function startAdminServer(options: AdminServerOptions): Promise<AdminServer> {
  const { host, port, routes, log } = options;
  const rule = { bound: host, allowed: options.allowedHosts ?? [] };
  const handle = (request: IncomingMessage, response: ServerResponse): void => {
    const refused = refusal(request, rule);
    if (refused) send(request, response, refused);
    else void answer(routes, request, log).then((result) => send(request, response, result));
  };
  const server = createServer(handle);
  // Answered as any request, without the interim 100 that would invite the body.
  server.on('checkContinue', handle);
  // The admin server must never be what keeps a finished run alive.
  server.unref();
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => {
      reject(
        new SluiceError(
          ErrorCode.http,
          `the admin HTTP server cannot listen on ${host}:${port} (SLUICE_HTTP_HOST, SLUICE_HTTP_PORT): ${error.message}`,
          { cause: error },
        ),
      );
    });
    server.listen(port, host, () => resolve());
  });
  server.on('error', (error) => log.error({ error: error.message }, 'admin HTTP server error'));
  const bound = (server.address() as AddressInfo).port;
  return {
    port: bound,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function answer(
  routes: ReadonlyMap<string, Route>,
  request: IncomingMessage,
  log: Logger,
): Promise<AdminResponse> {
  // The query is ignored: no endpoint takes parameters.
  const path = new URL(request.url ?? '/', 'http://admin').pathname;
  const route = routes.get(path);
  if (!route) return json(404, { error: 'not found', endpoints: [...routes.keys()] });
  try {
    return await route();
  } catch (error) {
    log.error(
      { path, error: error instanceof Error ? error.message : String(error) },
      'admin endpoint failed',
    );
    return json(500, { error: `${path} failed` });
  }
}

function send(request: IncomingMessage, response: ServerResponse, result: AdminResponse): void {
  const headers: Record<string, string> = {
    'content-type': result.contentType,
    'content-length': String(Buffer.byteLength(result.body)),
    'cache-control': 'no-store',
    ...SECURITY_HEADERS,
  };
  if (result.status === 405) headers.allow = 'GET, HEAD';
  // The body is never read: the connection closes after the answer instead of draining it.
  if (hasBody(request.headers)) headers.connection = 'close';
  response.writeHead(result.status, headers);
  response.end(request.method === 'HEAD' ? undefined : result.body);
}
