import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { freePort, startCli } from '../support/cli.ts';
import { httpGet, poll, sample } from '../support/http.ts';
import { sharedClients, testBrokers, uniqueName } from '../support/kafka.ts';
import { tempDirs } from '../support/temp-dirs.ts';
import { openDashboard } from './dashboard-page.ts';

const kafka = sharedClients('dashboard-test');
const tempDir = tempDirs('sluice-dashboard');

const PARTITIONS = 2;
/** Records per partition in each round: the input-rate chart gets a few distinct peaks. */
const ROUNDS = [150, 25, 60, 100] as const;

type Range = { topic: string; partition: string; fromOffset: string; untilOffset: string };
type Snapshot = {
  rows: {
    batchId: number;
    time: number;
    records: number;
    delays: number[];
    latency: (number | null)[];
    ranges: Range[];
  }[];
  charts: Record<string, { labels: string[]; data: (number | null)[][] }>;
};

// Runs in the page (the project's TypeScript has no DOM types, so it travels as a string).
const SNAPSHOT = `(() => ({
  rows: [...document.querySelectorAll('#batches tbody tr')].map((row) => ({
    batchId: Number(row.dataset.batchId),
    time: Number(row.dataset.time),
    records: Number(row.dataset.records),
    delays: [...row.cells].slice(3, 6).map((cell) => Number.parseInt(cell.textContent, 10)),
    latency: ['p50', 'p99', 'max'].map((name) => (name in row.dataset ? Number(row.dataset[name]) : null)),
    ranges: [...row.querySelectorAll('td.ranges div')].map((div) => ({ ...div.dataset })),
  })),
  charts: Object.fromEntries(
    Object.entries(window.sluiceDashboard.charts).map(([name, chart]) => [
      name,
      { labels: chart.series.slice(1).map((series) => series.label), data: chart.data },
    ]),
  ),
}))()`;

const snapshot = (page: Page): Promise<Snapshot> => page.evaluate<Snapshot>(SNAPSHOT);
const recordsIn = (s: Snapshot): number => s.rows.reduce((sum, row) => sum + row.records, 0);

async function produce(topic: string, perPartition: number): Promise<void> {
  const messages = Array.from({ length: perPartition * PARTITIONS }, (_, i) => ({
    partition: i % PARTITIONS,
    value: `w${i % 7}`,
  }));
  await kafka.producer.send({ topic, messages });
}

describe('the dashboard in headless Chromium', () => {
  it('draws a real run: charts hold every batch, lag and slots; the batch table grows with exact records and contiguous offset ranges', async () => {
    const topic = uniqueName('dashboard');
    await kafka.admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const cli = startCli(['run', 'test/fixtures/jobs/gated.ts'], {
      SLUICE_BROKERS: testBrokers().join(','),
      SLUICE_TOPICS: topic,
      SLUICE_GROUP_ID: uniqueName('dashboard-group'),
      SLUICE_VALUE_FORMAT: 'string',
      // 100 batches of history last 100 s: every batch of the test stays in the table.
      SLUICE_BATCH_INTERVAL_MS: '1000',
      SLUICE_WORKERS: '2',
      SLUICE_HTTP_PORT: String(port),
    });
    const dashboard = await openDashboard(url);
    try {
      const { page } = dashboard;

      let produced = 0;
      let before: Snapshot | undefined;
      for (const perPartition of ROUNDS) {
        await produce(topic, perPartition);
        produced += perPartition * PARTITIONS;
        const now = await poll(async () => {
          const s = await snapshot(page);
          return recordsIn(s) === produced ? s : undefined;
        }, `the table to show ${produced} records`);
        // Every batch since the start, newest first, including those without records.
        const ids = now.rows.map((row) => row.batchId);
        expect(ids).toEqual(ids.map((_, i) => ids.length - 1 - i));
        if (before) expect(now.rows.length).toBeGreaterThan(before.rows.length);
        // The batch charts hold one point per row of the table (the same poll drew both).
        const oldest = now.rows.toReversed();
        const x = oldest.map((row) => row.time / 1000);
        const rate = oldest.map((row, i) => {
          const gap = i > 0 ? row.time - (oldest[i - 1]?.time ?? 0) : 0;
          return gap > 0 ? (row.records * 1000) / gap : null;
        });
        expect(now.charts.inputRate?.data).toEqual([x, rate]);
        expect(now.charts.schedulingDelay?.data).toEqual([x, oldest.map((row) => row.delays[0])]);
        expect(now.charts.processingTime?.data).toEqual([x, oldest.map((row) => row.delays[1])]);
        expect(now.charts.totalDelay?.data).toEqual([x, oldest.map((row) => row.delays[2])]);
        // End-to-end latency: p50 ≤ p99 ≤ max for each batch with records, a gap for the others.
        const latency = [0, 1, 2].map((i) => oldest.map((row) => row.latency[i] ?? null));
        expect(now.charts.latency?.data).toEqual([x, ...latency]);
        for (const row of oldest) {
          const [p50, p99, max] = row.latency;
          if (row.records === 0) expect(row.latency).toEqual([null, null, null]);
          else
            expect((p50 ?? -1) <= (p99 ?? -1) && (p99 ?? -1) <= (max ?? -1) && (p50 ?? -1) >= 0).toBe(true);
        }
        before = now;
      }
      const last = before as Snapshot;
      const oldestFirst = last.rows.toReversed();
      const perPartition = String(ROUNDS.reduce((sum, n) => sum + n, 0));
      for (let partition = 0; partition < PARTITIONS; partition++) {
        const ranges = oldestFirst
          .flatMap((row) => row.ranges)
          .filter((range) => range.topic === topic && range.partition === String(partition));
        expect(ranges.map((range) => range.fromOffset)).toEqual([
          '0',
          ...ranges.slice(0, -1).map((range) => range.untilOffset),
        ]);
        expect(ranges.at(-1)?.untilOffset).toBe(perPartition);
      }
      expect(last.rows.filter((row) => row.records > 0).length).toBeGreaterThanOrEqual(ROUNDS.length);

      // Lag is sampled by the page: once everything is committed both partitions read 0.
      const lagged = await poll(async () => {
        const lag = (await snapshot(page)).charts.lag;
        const latest = lag?.data.slice(1).map((values) => values.at(-1));
        return latest?.length === PARTITIONS && latest.every((value) => value === 0) ? lag : undefined;
      }, 'lag 0 on both partitions in the chart');
      expect(lagged?.labels).toEqual([`${topic}-0`, `${topic}-1`]);
      const metrics = (await httpGet(`${url}/metrics`))?.body ?? '';
      expect(sample(metrics, 'sluice_records_processed_total')).toBe(produced);

      const slots = (await snapshot(page)).charts.slots;
      expect(slots?.labels).toEqual(['slot 0', 'slot 1']);
      // Busy share of the last batch interval: a gap until two batches were seen, then in [0, 1].
      for (const values of slots?.data.slice(1) ?? []) {
        const shares = values.filter((value) => value !== null);
        expect(shares.length).toBeGreaterThan(0);
        for (const value of shares) {
          expect(value).toBeGreaterThanOrEqual(0);
          expect(value).toBeLessThanOrEqual(1);
        }
      }
      expect(await page.textContent('#status')).toBe('ready');

      // DASHBOARD_SCREENSHOT=<file> keeps a picture of the page.
      await dashboard.shoot(process.env.DASHBOARD_SCREENSHOT ?? join(tempDir(), 'dashboard.png'));
      expect(dashboard.problems()).toEqual([]);

      cli.child.kill('SIGTERM');
      expect((await cli.done).code).toBe(0);
    } finally {
      await dashboard.close();
      cli.child.kill('SIGKILL');
    }
  });
});
