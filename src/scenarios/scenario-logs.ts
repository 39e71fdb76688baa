// The `logs` scenario: web-server access lines in the combined log format, 20 a second of event
// time, with bursts of 5xx responses and a few lines that no log parser should accept.

import { type Random, SCENARIO_EPOCH, scenarioRandom } from './scenario-random.ts';
import type { Scenario, ScenarioOptions } from './types.ts';

export const LOG_LINES_PER_SECOND = 20;
export const LOG_BURST_MS = 10_000;
// Each burst gets a slot of its own: at least 20 s of normal traffic before it and 40 s after, so
// that the windows around two bursts never see both.
const BURST_SLOT_SECONDS = 70;
const BURST_LEAD_SECONDS = 20;
const BASE_5XX_SHARE = 0.01;
const BURST_5XX_SHARE = 0.6;
const BAD_LINE_SHARE = 0.005;

/** What a good line says. `bytes` is 0 where the line has `-`. */
export type LogEntry = {
  readonly ts: number;
  readonly ip: string;
  readonly user: string;
  readonly method: string;
  readonly url: string;
  readonly status: number;
  readonly bytes: number;
  readonly referer: string;
  readonly agent: string;
};

/** A line as written, keyed by its client address; `entry` is absent for a bad line. */
export type LogLine = { readonly key: string; readonly line: string; readonly entry?: LogEntry };

/** An injected burst of 5xx responses, [start, end) in epoch ms. */
export type LogBurst = { readonly start: number; readonly end: number };

const PAGES = [
  '/',
  '/index.html',
  '/search?q=shoes',
  '/products',
  '/cart',
  '/login',
  '/api/cart',
  '/api/recommendations',
  '/static/app.js',
  '/static/app.css',
  '/favicon.ico',
  '/robots.txt',
  '/about',
  '/help/shipping',
  '/checkout',
];
const URLS = [...PAGES, ...Array.from({ length: 45 }, (_, n) => `/products/${100 + n}`)];
const POSTS = new Set(['/login', '/api/cart', '/checkout']);
const AGENTS = [
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_2) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0',
  'curl/8.5.0',
  'Googlebot/2.1 (+http://www.google.com/bot.html)',
];
const USERS = ['-', '-', '-', 'alice', 'bob', 'carol'];
const SERVER_ERRORS = [500, 502, 503];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const seconds = (count: number): number => Math.ceil(count / LOG_LINES_PER_SECOND);

/** The error bursts of these options, in time order; each starts on a whole second. */
export function logBursts(options: ScenarioOptions): LogBurst[] {
  if (options.inject === 0) return [];
  const random = scenarioRandom(options.seed, 0);
  const slot = Math.floor(seconds(options.count) / options.inject);
  const room = slot - BURST_SLOT_SECONDS + 1;
  return Array.from({ length: options.inject }, (_, k) => {
    const start = SCENARIO_EPOCH + (k * slot + BURST_LEAD_SECONDS + random.int(room)) * 1000;
    return { start, end: start + LOG_BURST_MS };
  });
}

/** `01/Jan/2026:00:00:07 +0000`: the combined log format's time, in UTC. */
export function logTime(ts: number): string {
  const d = new Date(ts);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${two(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
}

export function formatLogLine(e: LogEntry): string {
  const bytes = e.bytes === 0 ? '-' : String(e.bytes);
  return `${e.ip} - ${e.user} [${logTime(e.ts)}] "${e.method} ${e.url} HTTP/1.1" ${e.status} ${bytes} "${e.referer}" "${e.agent}"`;
}

function entryAt(random: Random, ts: number, inBurst: boolean): LogEntry {
  const u = random.next();
  // Squaring a uniform draw skews towards the first URLs: a few pages are hot.
  const url = URLS[Math.floor(u * u * URLS.length)] ?? '/';
  const roll = random.next();
  const errorShare = inBurst ? BURST_5XX_SHARE : BASE_5XX_SHARE;
  const status =
    roll < errorShare
      ? random.pick(SERVER_ERRORS)
      : roll < errorShare + 0.05
        ? 404
        : roll < errorShare + 0.08
          ? 304
          : 200;
  const host = random.int(500);
  return {
    ts,
    ip: host < 250 ? `203.0.113.${host + 1}` : `198.51.100.${host - 249}`,
    user: random.pick(USERS),
    method: POSTS.has(url) && random.chance(0.5) ? 'POST' : 'GET',
    url,
    status,
    bytes: status === 304 ? 0 : 200 + random.int(50_000),
    referer: random.chance(0.4) ? '-' : 'https://shop.example.com/',
    agent: random.pick(AGENTS),
  };
}

/** Lines a parser of the combined log format must refuse, each from a good one. */
function spoil(random: Random, good: string, entry: LogEntry): string {
  switch (random.int(5)) {
    case 0:
      return good.slice(0, Math.floor(good.length / 2));
    case 1:
      return good.replace(logTime(entry.ts), '32/Foo/2026:25:61:00 +0000');
    case 2:
      return good.replace(`" ${entry.status} `, '" OK ');
    case 3:
      return `{"level":"info","msg":"upstream connected","ip":"${entry.ip}"}`;
    default:
      return `${entry.method} ${entry.url} HTTP/1.1`;
  }
}

/** The lines of the scenario, in event-time order, with what each good one says. */
export function* logLines(options: ScenarioOptions): Generator<LogLine> {
  const bursts = logBursts(options);
  const random = scenarioRandom(options.seed, 1);
  const bad = scenarioRandom(options.seed, 2);
  for (let n = 0; n < options.count; n++) {
    const ts = SCENARIO_EPOCH + Math.floor(n / LOG_LINES_PER_SECOND) * 1000;
    const entry = entryAt(
      random,
      ts,
      bursts.some((burst) => ts >= burst.start && ts < burst.end),
    );
    const line = formatLogLine(entry);
    yield bad.chance(BAD_LINE_SHARE)
      ? { key: entry.ip, line: spoil(bad, line, entry) }
      : { key: entry.ip, line, entry };
  }
}

export const logsScenario: Scenario = {
  name: 'logs',
  summary: `access lines (combined log format), ${LOG_LINES_PER_SECOND} a second of event time from 2026-01-01; --inject: 10 s bursts of 5xx (default 3); 1 line in 200 malformed`,
  defaultCount: 12_000,
  defaultInject: 3,
  problem: (options) => {
    const needed = options.inject * BURST_SLOT_SECONDS * LOG_LINES_PER_SECOND;
    return options.count < needed
      ? `--inject ${options.inject} error bursts need --count ${needed} or more for scenario logs (${BURST_SLOT_SECONDS} s of lines each, at ${LOG_LINES_PER_SECOND} a second); got ${options.count}`
      : undefined;
  },
  records: function* (options) {
    for (const { key, line } of logLines(options)) yield { key, value: line };
  },
};
