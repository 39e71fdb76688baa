import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export type HttpAnswer = { readonly status: number; readonly body: string };

/** GET `url`; undefined while nothing listens there. */
export async function httpGet(url: string): Promise<HttpAnswer | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    return { status: response.status, body: await response.text() };
  } catch {
    return undefined;
  }
}

/** Asks `read` every 25 ms until it returns something, up to `timeoutMs`. */
export async function poll<T>(
  read: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what} after ${timeoutMs} ms`);
    await sleep(25);
  }
}

/** The value of one sample of a Prometheus exposition, e.g. `sluice_consumer_lag{topic="t",partition="0"}`. */
export function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((row) => row.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

export type RawResponse = {
  readonly status: number;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
};

/**
 * Writes `request` as it is on a new TCP connection to `url`'s host and port, for what `fetch`
 * will not send: a forged Host header, a body on a GET. `response` settles once one answer is in
 * (its headers and `content-length` bytes); `closed` once the server ends the connection.
 */
export function rawRequest(
  url: string,
  request: string,
): { readonly response: Promise<RawResponse>; readonly closed: Promise<void>; readonly socket: Socket } {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname.replace(/^\[|\]$/g, ''));
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const response = new Promise<RawResponse>((resolve, reject) => {
    let received = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      received = Buffer.concat([received, chunk]);
      const parsed = parseResponse(received);
      if (parsed === undefined) return;
      socket.off('data', onData);
      resolve(parsed);
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error(`connection closed before a full answer: ${received}`)));
  });
  socket.write(request);
  return { response, closed, socket };
}

function parseResponse(received: Buffer): RawResponse | undefined {
  const end = received.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine = '', ...lines] = received.subarray(0, end).toString('latin1').split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const body = received.subarray(end + 4);
  if (body.length < Number(headers['content-length'] ?? 0)) return undefined;
  return { status: Number(statusLine.split(' ')[1]), headers, body: body.toString('utf8') };
}
