// Issue 19, metrics conventions: a real `sluice run` (the built-in generator, no broker) scraped
// before its first batch and after some: prom-client's standard process metric names, no NaN,
// and slot busy seconds as a counter that rate() can read.
import { describe, expect, it, onTestFinished } from 'vitest';
import { freePort, startCli } from '../support/cli.ts';
import { httpGet, sample } from '../support/http.ts';

const SLOTS = 2;
const PARTITIONS = 4;
const BUSY = (slot: number): string => `sluice_slot_busy_seconds_total{slot="${slot}"}`;

async function scrape(url: string): Promise<string> {
  const answer = await httpGet(`${url}/metrics`);
  if (answer?.status !== 200) throw new Error(`/metrics answered ${answer?.status}`);
  return answer.body;
}

function busySeconds(text: string): number[] {
  return Array.from({ length: SLOTS }, (_, slot) => {
    const value = sample(text, BUSY(slot));
    if (value === undefined) throw new Error(`no ${BUSY(slot)} in:\n${text}`);
    return value;
  });
}

/** What every scrape must hold, whenever it is taken. */
function expectConventions(text: string): void {
  expect(text.split('\n').filter((line) => /\bnan\b/i.test(line))).toEqual([]);
  for (const standard of [
    'process_cpu_seconds_total counter',
    'process_resident_memory_bytes gauge',
    'nodejs_heap_size_used_bytes gauge',
    'nodejs_eventloop_lag_seconds gauge',
  ])
    expect(text).toContain(`# TYPE ${standard}`);
  expect(text.split('\n').filter((line) => /^(?:# \w+ )?sluice_(?:process|nodejs)_/.test(line))).toEqual([]);
  expect(text).toContain('# TYPE sluice_slot_busy_seconds_total counter');
}

describe('/metrics of a running sluice', () => {
  it('keeps the standard process metric names, has no NaN, and counts slot busy seconds monotonically within the elapsed time', {
    timeout: 60_000,
  }, async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const startedAt = Date.now();
    const cli = startCli(['run'], {
      SLUICE_HTTP_PORT: String(port),
      SLUICE_KEY_FIELD: 'url',
      // Continuous cuts no batch without records; at 1 event per second over 4 partitions, each
      // partition's first is due 4 s after the start: the first scrape is before any batch.
      SLUICE_TRIGGER: 'continuous',
      SLUICE_GENERATOR_PARTITIONS: String(PARTITIONS),
      SLUICE_GENERATOR_RATE: '1',
      SLUICE_WORKERS: String(SLOTS),
      SLUICE_LOG_LEVEL: 'debug',
    });
    onTestFinished(() => void cli.child.kill('SIGKILL'));
    await cli.waitFor(/"msg":"sluice started"/);

    const before = await scrape(url);
    expectConventions(before);
    expect(sample(before, 'sluice_batches_total')).toBe(0);
    expect(sample(before, 'sluice_watermark_seconds')).toBeUndefined();
    expect(sample(before, 'sluice_backpressure_rate_records_per_second')).toBeUndefined();
    const readings = [busySeconds(before)];

    await cli.waitFor(/"msg":"batch done"/, 30_000);
    for (;;) {
      const text = await scrape(url);
      expectConventions(text);
      readings.push(busySeconds(text));
      if ((sample(text, 'sluice_batches_total') ?? 0) >= 2) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const elapsedSeconds = (Date.now() - startedAt) / 1000;

    for (let slot = 0; slot < SLOTS; slot++) {
      const series = readings.map((reading) => reading[slot] ?? Number.NaN);
      expect(series, `slot ${slot}`).toEqual(series.toSorted((a, b) => a - b));
    }
    const last = readings.at(-1) ?? [];
    expect(last.reduce((sum, seconds) => sum + seconds, 0)).toBeGreaterThan(0);
    for (const seconds of last) expect(seconds).toBeLessThanOrEqual(elapsedSeconds);

    cli.child.kill('SIGTERM');
    const result = await cli.done;
    expect(result.code, result.stderr).toBe(0);
  });
});
