// Log analytics on web-server access lines (text in the combined log format, not JSON): each line
// parsed, a bad one dead-lettered; per 10 s of event time, responses per status code; every 10 s,
// the 10 most requested URLs of the last minute; and an alert whenever 5xx responses pass 10 % of
// the last 30 s's requests. Event time is each line's own timestamp.
// Run it (a broker: `npm run kafka -- start`; SLUICE_BROKERS=<its address>): see examples/logs/README.md.
import { Aggregations, defineJob, type WindowResult, Windows } from 'sluice';
import { parseLogLine } from './log-parser.ts';

export const STATUS_WINDOW_MS = 10_000;
export const TOP_URLS_WINDOW_MS = 60_000;
export const TOP_URLS_SLIDE_MS = 10_000;
export const TOP_URLS = 10;
export const ALERT_WINDOW_MS = 30_000;
export const ALERT_SLIDE_MS = 10_000;
/** An alert needs 5xx in at least this share of a window's requests, in percent… */
export const ALERT_ERROR_PERCENT = 10;
/** …and this many requests, so that a quiet window's one failure does not page anyone. */
export const ALERT_MIN_REQUESTS = 100;
/** Lines of several servers meet out of order in the topic: wait this long for the stragglers. */
export const LATENESS_MS = 5_000;

export type Responses = { readonly requests: number; readonly errors: number };
export type TopUrls = {
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly urls: readonly { readonly url: string; readonly requests: number }[];
};
export type ErrorRateAlert = Responses & {
  readonly alert: '5xx-rate';
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly errorPercent: number;
};

/** Requests and 5xx responses of a window; `subtract` lets the sliding window drop old panes. */
export const responses = Aggregations.of<number, Responses, Responses>({
  empty: () => ({ requests: 0, errors: 0 }),
  add: (acc, error) => ({ requests: acc.requests + 1, errors: acc.errors + error }),
  merge: (a, b) => ({ requests: a.requests + b.requests, errors: a.errors + b.errors }),
  subtract: (a, b) => ({ requests: a.requests - b.requests, errors: a.errors - b.errors }),
});

export const isAlert = ({ requests, errors }: Responses): boolean =>
  requests >= ALERT_MIN_REQUESTS && errors * 100 >= requests * ALERT_ERROR_PERCENT;

/** Per window, its `n` most requested URLs: most requests first, ties by URL. */
export function topUrls(rows: readonly WindowResult<string, number>[], n: number): TopUrls[] {
  const windows = new Map<number, WindowResult<string, number>[]>();
  for (const row of rows) {
    const list = windows.get(row.windowStart);
    if (list) list.push(row);
    else windows.set(row.windowStart, [row]);
  }
  return [...windows.values()]
    .sort((a, b) => (a[0]?.windowStart ?? 0) - (b[0]?.windowStart ?? 0))
    .map((list) => ({
      windowStart: list[0]?.windowStart ?? 0,
      windowEnd: list[0]?.windowEnd ?? 0,
      urls: list
        .sort((a, b) => b.value - a.value || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
        .slice(0, n)
        .map((row) => ({ url: row.key, requests: row.value })),
    }));
}

export default defineJob((ctx) => {
  const requests = ctx
    .stream<string>(ctx.env.LOGS_TOPIC ?? 'access-logs', { format: 'string' })
    .map((record) => parseLogLine(record.value))
    .withWatermark(LATENESS_MS, (request) => request.ts);

  requests
    .map((request): [number, number] => [request.status, 1])
    .windowAggregate(Windows.tumbling(STATUS_WINDOW_MS), Aggregations.count())
    .toKafka(ctx.env.LOGS_STATUS_TOPIC ?? 'logs-status-counts', {
      key: (row) => String(row.key),
      create: { partitions: 1 },
    });

  requests
    .map((request): [string, number] => [request.url, 1])
    .windowAggregate<string, number>(
      Windows.sliding(TOP_URLS_WINDOW_MS, TOP_URLS_SLIDE_MS),
      Aggregations.count(),
    )
    .transform((rows) => topUrls(rows, TOP_URLS))
    .toKafka(ctx.env.LOGS_TOP_URLS_TOPIC ?? 'logs-top-urls', {
      key: (top) => String(top.windowStart),
      create: { partitions: 1 },
    });

  requests
    .map((request): [string, number] => ['all', request.status >= 500 ? 1 : 0])
    .windowAggregate<string, number, Responses>(Windows.sliding(ALERT_WINDOW_MS, ALERT_SLIDE_MS), responses)
    .filter((row) => isAlert(row.value))
    .map(
      (row): ErrorRateAlert => ({
        alert: '5xx-rate',
        windowStart: row.windowStart,
        windowEnd: row.windowEnd,
        ...row.value,
        errorPercent: Math.round((row.value.errors * 1000) / row.value.requests) / 10,
      }),
    )
    .toKafka(ctx.env.LOGS_ALERTS_TOPIC ?? 'logs-alerts', {
      key: (alert) => alert.alert,
      create: { partitions: 1 },
    });
});
