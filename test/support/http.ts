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
