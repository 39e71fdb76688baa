import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ErrorCode, SluiceError } from '../errors/index.ts';
import type { Logger } from '../runtime/index.ts';
import { json } from './routes.ts';
import type { AdminResponse, Route } from './types.ts';

export type AdminServerOptions = {
  readonly host: string;
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

/** The read-only admin HTTP server: GET/HEAD on known paths; errors are short JSON, never a stack. */
export async function startAdminServer(options: AdminServerOptions): Promise<AdminServer> {
  const { host, port, routes, log } = options;
  const server = createServer((request, response) => {
    void answer(routes, request, log).then((result) => send(request, response, result));
  });
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
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return json(405, { error: 'method not allowed: the admin endpoints are read-only (GET, HEAD)' });
  }
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
  };
  if (result.status === 405) headers.allow = 'GET, HEAD';
  response.writeHead(result.status, headers);
  response.end(request.method === 'HEAD' ? undefined : result.body);
}
