// The dashboard in headless Chromium, read panel by panel from the DOM (the page's data attributes).
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { poll } from '../support/http.ts';

/** Debian's package; `.ci/run` installs it when missing. */
export const CHROMIUM = '/usr/bin/chromium';

type Range = { topic: string; partition: string; fromOffset: string; untilOffset: string };
type Chart = { labels: string[]; data: (number | null)[][] };

export type PanelSnapshot = {
  status: string;
  records: number;
  rows: {
    batchId: number;
    time: number;
    timeText: string;
    records: number;
    late: number;
    watermark: number | null;
    ranges: Range[];
  }[];
  header: Record<string, string>;
  operators: { node: string; thread: string; in: string; out: string; ms?: string; sampledMs?: string }[];
  partitions: Record<string, string>[];
  keyed: { statePartition: string; keys: number; bytes: number }[];
  windowState: {
    partition: string;
    node: string;
    entries: number;
    bytes: number;
    windowBytes: number;
    checkpointBytes: number;
  }[];
  checkpoints: { bytes: string; offsets: string }[];
  restore: string;
  environment: Record<string, { value: string; source: string }>;
  charts: Record<string, Chart>;
  failure?: { reason: string; where: string; batchId: string; time: string };
};

export type DrillSnapshot = {
  batchId: string;
  title: string;
  summary: string;
  partitions: Record<string, string>[];
  operators: Record<string, string>[];
  outputs: Record<string, string>[];
};

// Runs in the page (the project's TypeScript has no DOM types, so it travels as a string).
const SNAPSHOT = `(() => {
  const rows = (selector) => [...document.querySelectorAll(selector + ' tbody tr')];
  const failure = document.getElementById('failure');
  const link = failure.querySelector('a.failed-batch');
  return {
    status: document.getElementById('status').textContent,
    records: rows('#batches').reduce((sum, row) => sum + Number(row.dataset.records), 0),
    rows: rows('#batches').map((row) => ({
      batchId: Number(row.dataset.batchId),
      time: Number(row.dataset.time),
      timeText: row.cells[1].textContent,
      records: Number(row.dataset.records),
      late: Number(row.dataset.late),
      watermark: row.dataset.watermark === undefined ? null : Number(row.dataset.watermark),
      ranges: [...row.querySelectorAll('td.ranges div')].map((div) => ({ ...div.dataset })),
    })),
    header: Object.fromEntries([...document.querySelectorAll('#run dd')].map((dd) => [dd.dataset.field, dd.textContent])),
    operators: rows('#operators').map((row) => ({ ...row.dataset })),
    partitions: rows('#partitions').map((row) => ({ ...row.dataset })),
    keyed: rows('#keyed-state').map((row) => ({ statePartition: row.dataset.statePartition, keys: Number(row.dataset.keys), bytes: Number(row.dataset.bytes ?? -1) })),
    windowState: rows('#window-state').map((row) => ({ partition: row.dataset.partition, node: row.dataset.node, entries: Number(row.dataset.entries), bytes: Number(row.dataset.bytes ?? -1), windowBytes: Number(row.dataset.windowBytes ?? -1), checkpointBytes: Number(row.dataset.checkpointBytes ?? -1) })),
    checkpoints: rows('#checkpoints').map((row) => ({ ...row.dataset })),
    restore: document.getElementById('restore').textContent,
    environment: Object.fromEntries(rows('#environment').map((row) => [row.dataset.variable, { value: row.cells[1].textContent, source: row.dataset.source }])),
    charts: Object.fromEntries(
      Object.entries(window.sluiceDashboard.charts).map(([name, chart]) => [
        name,
        { labels: chart.series.slice(1).map((series) => series.label), data: chart.data },
      ]),
    ),
    ...(failure.hidden ? {} : {
      failure: {
        reason: failure.querySelector('.reason')?.textContent ?? '',
        where: failure.querySelector('.failed-where')?.textContent ?? '',
        batchId: link?.dataset.batchId ?? '',
        time: link?.dataset.time ?? '',
      },
    }),
  };
})()`;

const DRILL = `(() => {
  const rows = (selector) => [...document.querySelectorAll(selector + ' tbody tr')].map((row) => ({ ...row.dataset }));
  const box = document.getElementById('drilldown');
  return {
    batchId: box.hidden ? '' : box.dataset.batchId ?? '',
    title: document.getElementById('drilldown-title').textContent,
    summary: document.getElementById('drilldown-summary').textContent,
    partitions: rows('#drill-partitions'),
    operators: rows('#drill-operators'),
    outputs: rows('#drill-outputs'),
  };
})()`;

export type DashboardPage = {
  readonly page: Page;
  snapshot(): Promise<PanelSnapshot>;
  /** Polls the page until `reached` holds for a snapshot; that snapshot. */
  until(reached: (snapshot: PanelSnapshot) => boolean, what: string): Promise<PanelSnapshot>;
  /** Opens batch `batchId`'s drill-down from the address (`#batch=<id>`) and reads it. */
  drill(batchId: number): Promise<DrillSnapshot>;
  html(): Promise<string>;
  /** A full-page PNG at `path`, when given. */
  shoot(path: string | undefined): Promise<void>;
  /** Console errors and warnings, page errors and failed requests seen so far. */
  problems(): string[];
  close(): Promise<void>;
};

/** Opens the dashboard at `url` once the server answers; collects the page's problems. */
export async function openDashboard(url: string): Promise<DashboardPage> {
  await poll(
    async () => ((await fetch(`${url}/readyz`).catch(() => undefined))?.status === 200 ? true : undefined),
    'ready',
  );
  const browser: Browser = await chromium.launch({ executablePath: CHROMIUM });
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('requestfailed', (request) => problems.push(`${request.url()}: ${request.failure()?.errorText}`));
  await page.goto(`${url}/`);
  const snapshot = (): Promise<PanelSnapshot> => page.evaluate<PanelSnapshot>(SNAPSHOT);
  let last: PanelSnapshot | undefined;
  return {
    page,
    snapshot,
    until: (reached, what) =>
      poll(async () => {
        last = await snapshot();
        return reached(last) ? last : undefined;
      }, what).catch((error: Error) => {
        throw new Error(
          `${error.message}; the page showed ${JSON.stringify({ ...last, charts: undefined })}`,
        );
      }),
    drill: async (batchId) => {
      await page.evaluate(`window.location.hash = '#batch=${batchId}'`);
      return poll(async () => {
        const drill = await page.evaluate<DrillSnapshot>(DRILL);
        return drill.batchId === String(batchId) ? drill : undefined;
      }, `the drill-down of batch ${batchId}`);
    },
    html: () => page.content(),
    shoot: async (path) => {
      if (!path) return;
      mkdirSync(dirname(path), { recursive: true });
      await page.screenshot({ path, fullPage: true });
    },
    problems: () => [...problems],
    close: () => browser.close(),
  };
}
