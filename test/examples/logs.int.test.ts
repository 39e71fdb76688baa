import { describe, expect, it } from 'vitest';
import {
  ALERT_MIN_REQUESTS,
  ALERT_SLIDE_MS,
  ALERT_WINDOW_MS,
  type ErrorRateAlert,
  STATUS_WINDOW_MS,
  TOP_URLS,
  TOP_URLS_SLIDE_MS,
  TOP_URLS_WINDOW_MS,
  type TopUrls,
} from '../../examples/logs/log-analytics.ts';
import { type LogEntry, logBursts, logLines } from '../../src/scenarios/index.ts';
import { freePort } from '../support/cli.ts';
import { runShellBlock } from '../support/doc-blocks.ts';
import { readMessagesToEnd, readTopicToEnd } from '../support/eos-oracle.ts';
import { readmeCommands } from '../support/example-readme.ts';
import { testBrokers, testKafka } from '../support/kafka.ts';
import { tempDirs } from '../support/temp-dirs.ts';

// examples/logs: its README's commands against the broker, every output checked against an oracle
// computed from the scenario's lines (the defaults the README's produce line uses).

const tempDir = tempDirs('sluice-example-logs');
const SCENARIO = { seed: 42, count: 12_000, inject: 3 };

type Row = { key: number | string; windowStart: number; windowEnd: number; value: number };

/** The start of every window of `sizeMs` sliding by `slideMs` that holds `ts`. */
function windowsOf(ts: number, sizeMs: number, slideMs: number): number[] {
  const last = Math.floor(ts / slideMs) * slideMs;
  const starts: number[] = [];
  for (let start = last; start > ts - sizeMs; start -= slideMs) starts.push(start);
  return starts;
}

/** Per (window, key), how many entries: `{ key, windowStart, windowEnd, value }` rows. */
function counts(
  entries: readonly LogEntry[],
  sizeMs: number,
  slideMs: number,
  keyOf: (entry: LogEntry) => number | string,
): Row[] {
  const rows = new Map<string, Row>();
  for (const entry of entries) {
    for (const windowStart of windowsOf(entry.ts, sizeMs, slideMs)) {
      const key = keyOf(entry);
      const id = `${windowStart}/${key}`;
      const row = rows.get(id) ?? { key, windowStart, windowEnd: windowStart + sizeMs, value: 0 };
      row.value += 1;
      rows.set(id, row);
    }
  }
  return [...rows.values()];
}

const byWindowAndKey = (a: Row, b: Row): number =>
  a.windowStart - b.windowStart || String(a.key).localeCompare(String(b.key));

function oracleTopUrls(entries: readonly LogEntry[]): TopUrls[] {
  const rows = counts(entries, TOP_URLS_WINDOW_MS, TOP_URLS_SLIDE_MS, (entry) => entry.url);
  const starts = [...new Set(rows.map((row) => row.windowStart))].sort((a, b) => a - b);
  return starts.map((windowStart) => ({
    windowStart,
    windowEnd: windowStart + TOP_URLS_WINDOW_MS,
    urls: rows
      .filter((row) => row.windowStart === windowStart)
      .sort((a, b) => b.value - a.value || (String(a.key) < String(b.key) ? -1 : 1))
      .slice(0, TOP_URLS)
      .map((row) => ({ url: String(row.key), requests: row.value })),
  }));
}

function oracleAlerts(entries: readonly LogEntry[]): ErrorRateAlert[] {
  const all = counts(entries, ALERT_WINDOW_MS, ALERT_SLIDE_MS, () => 'all');
  const errors = counts(
    entries.filter((entry) => entry.status >= 500),
    ALERT_WINDOW_MS,
    ALERT_SLIDE_MS,
    () => 'all',
  );
  return all
    .map((row) => ({
      windowStart: row.windowStart,
      requests: row.value,
      errors: errors.find((e) => e.windowStart === row.windowStart)?.value ?? 0,
    }))
    .filter(({ requests, errors }) => requests >= ALERT_MIN_REQUESTS && errors * 10 >= requests)
    .sort((a, b) => a.windowStart - b.windowStart)
    .map(({ windowStart, requests, errors }) => ({
      alert: '5xx-rate',
      windowStart,
      windowEnd: windowStart + ALERT_WINDOW_MS,
      requests,
      errors,
      errorPercent: Math.round((errors * 1000) / requests) / 10,
    }));
}

describe('examples/logs', () => {
  it("the README's commands: status counts, top URLs and alerts as the oracle says, bad lines dead-lettered", async () => {
    const { commands, renamed } = readmeCommands('logs', [
      'access-logs',
      'access-logs.dlq',
      'logs-status-counts',
      'logs-top-urls',
      'logs-alerts',
      'log-analytics',
    ]);
    const topic = (name: string): string => renamed[name] ?? name;
    await runShellBlock(commands, tempDir(), {
      SLUICE_BROKERS: testBrokers().join(','),
      SLUICE_HTTP_PORT: String(await freePort()),
      SLUICE_LOG_LEVEL: 'warn',
      LOGS_TOPIC: topic('access-logs'),
      LOGS_STATUS_TOPIC: topic('logs-status-counts'),
      LOGS_TOP_URLS_TOPIC: topic('logs-top-urls'),
      LOGS_ALERTS_TOPIC: topic('logs-alerts'),
    });

    const lines = [...logLines(SCENARIO)];
    const entries = lines.flatMap((line) => (line.entry ? [line.entry] : []));
    const bad = lines.filter((line) => line.entry === undefined).map((line) => line.line);
    expect(bad.length).toBeGreaterThan(30);
    const kafka = testKafka();
    // What the README's produce line wrote is what the oracle computes from.
    const produced = await readMessagesToEnd(kafka, topic('access-logs'));
    expect(produced.map((message) => message.value?.toString()).sort()).toEqual(
      lines.map((line) => line.line).sort(),
    );

    const status = await readTopicToEnd<Row>(kafka, topic('logs-status-counts'));
    const expectedStatus = counts(entries, STATUS_WINDOW_MS, STATUS_WINDOW_MS, (entry) => entry.status);
    expect(status.sort(byWindowAndKey)).toEqual(expectedStatus.sort(byWindowAndKey));
    expect(new Set(status.map((row) => row.key))).toEqual(new Set([200, 304, 404, 500, 502, 503]));

    const top = await readTopicToEnd<TopUrls>(kafka, topic('logs-top-urls'));
    expect(top.sort((a, b) => a.windowStart - b.windowStart)).toEqual(oracleTopUrls(entries));
    // 10 minutes of lines: the 60 windows that start in them and the 5 that start before.
    expect(top).toHaveLength(65);

    const alerts = await readTopicToEnd<ErrorRateAlert>(kafka, topic('logs-alerts'));
    const expectedAlerts = oracleAlerts(entries);
    expect(alerts.sort((a, b) => a.windowStart - b.windowStart)).toEqual(expectedAlerts);
    // Every alert overlaps a burst, and every window that holds a whole burst alerts.
    const bursts = logBursts(SCENARIO);
    expect(bursts).toHaveLength(3);
    for (const alert of alerts)
      expect(bursts.some((b) => b.start < alert.windowEnd && b.end > alert.windowStart)).toBe(true);
    for (const burst of bursts) {
      const holding = windowsOf(burst.start, ALERT_WINDOW_MS, ALERT_SLIDE_MS).filter(
        (start) => start + ALERT_WINDOW_MS >= burst.end,
      );
      expect(holding.length).toBeGreaterThan(0);
      for (const start of holding) expect(alerts.map((alert) => alert.windowStart)).toContain(start);
    }
    expect(alerts).toHaveLength(9);

    const dead = await readMessagesToEnd(kafka, topic('access-logs.dlq'));
    expect(dead.map((message) => message.value?.toString()).sort()).toEqual([...bad].sort());
    for (const message of dead) {
      expect(message.headers?.['sluice.origin.topic']?.toString()).toBe(topic('access-logs'));
      expect(message.headers?.['sluice.error']?.toString()).toMatch(/^not a combined log format line/);
    }
  }, 60_000);
});
