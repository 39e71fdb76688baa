// The read-only admin HTTP server: listens on SLUICE_HTTP_HOST/PORT, guards requests, answers from routes.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../core/index.ts';
import { ErrorCode, SluiceError } from '../errors/index.ts';
import { json } from './json-response.ts';
import { hasBody, refusal, SECURITY_HEADERS } from './request-guard.ts';
import type { AdminResponse, Route } from './types.ts';

export type AdminServerOptions = {
  readonly host: string;
  /** Host header names answered besides localhost, IP addresses and `host` (SLUICE_HTTP_ALLOWED_HOSTS). */
  readonly allowedHosts?: readonly string[];
  /** 0 picks a free port (tests); `port` on the result says which. */
  readonly port: number;
  /** While `port` is taken, the ports after it are tried in turn up to this one (SLUICE_HTTP_PORT unset). */
  readonly lastPort?: number;
  readonly routes: ReadonlyMap<string, Route>;
  readonly log: Logger;
};

export type AdminServer = {
  readonly port: number;
  readonly url: string;
  /** The ports tried before `port` and found taken. */
  readonly taken: readonly number[];
  /** Stops listening and drops open connections (a scraper's keep-alive would hold it open). */
  close(): Promise<void>;
};

/**
 * The read-only admin HTTP server: GET/HEAD on known paths; errors are short JSON, never a stack.
 * A request for another site's Host or with a body is refused before any route runs. Like Spark's
 * UI, it takes the next port while one is taken, up to `lastPort`.
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
  const taken = await listenFrom(server, host, port, options.lastPort ?? port);
  server.on('error', (error) => log.error({ error: error.message }, 'admin HTTP server error'));
  const bound = (server.address() as AddressInfo).port;
  return {
    port: bound,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}`,
    taken,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Listens on the first port from `first` to `last` that is not taken; returns the taken ones. */
async function listenFrom(server: Server, host: string, first: number, last: number): Promise<number[]> {
  const taken: number[] = [];
  for (let port = first; ; port++) {
    const error = await listen(server, host, port);
    if (error === undefined) return taken;
    if (error.code !== 'EADDRINUSE') throw listenError(`cannot listen on ${host}:${port}`, error);
    taken.push(port);
    if (port >= last) throw portsTaken(host, first, last, error);
  }
}

/** One listen attempt; a server whose listen failed may listen again. */
function listen(server: Server, host: string, port: number): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const onError = (error: NodeJS.ErrnoException): void => resolve(error);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve(undefined);
    });
  });
}

const INSTEAD =
  'set SLUICE_HTTP_PORT to a free port, 0 for one the system picks, or SLUICE_HTTP_ENABLED=false to run without the admin server';

function portsTaken(host: string, first: number, last: number, error: Error): SluiceError {
  const message =
    first === last
      ? `SLUICE_HTTP_PORT=${first} is taken on ${host}: the admin HTTP server cannot listen there (${error.message}); ${INSTEAD}`
      : `the admin HTTP server found ports ${first} to ${last} on ${host} all taken (SLUICE_HTTP_PORT unset tries them in turn); ${INSTEAD}`;
  return new SluiceError(ErrorCode.http, message, { cause: error });
}

function listenError(what: string, error: Error): SluiceError {
  return new SluiceError(
    ErrorCode.http,
    `the admin HTTP server ${what} (SLUICE_HTTP_HOST, SLUICE_HTTP_PORT): ${error.message}`,
    { cause: error },
  );
}

async function answer(
  routes: ReadonlyMap<string, Route>,
  request: IncomingMessage,
  log: Logger,
): Promise<AdminResponse> {
  const url = URL.parse(request.url ?? '/', 'http://admin');
  if (!url) return json(400, { error: 'the request target is not a URL path' });
  const path = url.pathname;
  const route = routes.get(path);
  if (!route) return json(404, { error: 'not found', endpoints: [...routes.keys()] });
  try {
    return await route(url.searchParams);
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
