import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BenchResults, LatencyFigures } from '../../src/bench/index.ts';
import { runCli } from '../support/cli.ts';
import { testBrokers } from '../support/kafka.ts';
import { tempDirs } from '../support/temp-dirs.ts';

const tempDir = tempDirs('sluice-bench');

/** Percentiles in order, the CDF rising to 1. */
function expectOrdered(latency: LatencyFigures): void {
  const { p50, p90, p99, p999, max, cdf } = latency;
  expect([p50, p90, p99, p999, max]).toEqual([p50, p90, p99, p999, max].toSorted((a, b) => a - b));
  expect(p50).toBeGreaterThanOrEqual(0);
  expect(cdf.at(-1)?.[1]).toBe(1);
  for (let i = 1; i < cdf.length; i++) {
    expect(cdf[i]?.[0]).toBeGreaterThan(cdf[i - 1]?.[0] ?? Number.POSITIVE_INFINITY);
    expect(cdf[i]?.[1]).toBeGreaterThan(cdf[i - 1]?.[1] ?? 1);
  }
}

describe('sluice bench', () => {
  // The speed figures are never asserted: only that every run counted what was produced.
  it('--quick: catch-up and latency for each configuration and the kafkajs reference, in results.json, a report and charts', async () => {
    const out = join(tempDir(), 'results');
    const result = await runCli(['bench', '--quick', '--out', out, '--target-p99', '60000', '--seed', '3'], {
      SLUICE_BROKERS: testBrokers().join(','),
    });
    expect(result.code, result.stderr).toBe(0);
    expect(readdirSync(out).toSorted()).toEqual([
      'cdf.svg',
      'frontier.svg',
      'report.md',
      'results.json',
      'slots.svg',
      'throughput.svg',
    ]);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as BenchResults;
    expect(results.workload).toMatchObject({ job: 'aggregate', events: 20_000, partitions: 4, seed: 3 });
    expect(results.configs.map((item) => item.config.label)).toEqual([
      'micro-batch 100 ms · 1 slot',
      'continuous · 1 slot',
    ]);
    const reference = results.reference;
    expect(reference?.config.label).toBe('kafkajs (1 thread)');
    for (const item of [...results.configs, ...(reference ? [reference] : [])]) {
      expect(item.error).toBeUndefined();
      // Every catch-up run processed exactly the preloaded events.
      expect(item.catchUp?.processed).toEqual([20_000]);
      expect(item.catchUp?.eventsPerSecond.median).toBeGreaterThan(0);
      expect(item.catchUp?.cpuSecondsPerMillion.median).toBeGreaterThan(0);
      expect(item.catchUp?.peakRssMiB.median).toBeGreaterThan(0);
      expect(item.rates?.map((point) => point.percent)).toEqual([25, 50]);
      for (const point of item.rates ?? []) {
        // Every event produced in the measured span had its latency counted, once.
        expect(point.processed).toBe(point.produced);
        expect(point.latency.count).toBe(point.produced);
        expect(point.produced).toBeGreaterThan(0);
        expectOrdered(point.latency);
      }
    }
    const report = readFileSync(join(out, 'report.md'), 'utf8');
    for (const label of ['micro-batch 100 ms · 1 slot', 'continuous · 1 slot', 'kafkajs']) {
      expect(report).toContain(label);
    }
    expect(readFileSync(join(out, 'frontier.svg'), 'utf8')).toMatch(/^<svg/);
    // A target every configuration meets: the recommendation is printed as lines to paste.
    expect(result.stdout).toMatch(/^SLUICE_TRIGGER=(micro-batch|continuous)$/m);
    expect(result.stdout).toContain('SLUICE_WORKERS=1');
  }, 600_000);

  it('refuses a sweep that cannot finish in --max-minutes, before it starts anything', async () => {
    const out = join(tempDir(), 'never');
    const result = await runCli(['bench', '--max-minutes', '1', '--out', out], {
      SLUICE_BROKERS: testBrokers().join(','),
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^SLUICE_USAGE: this sweep would take about \d+ minutes, more than --max-minutes 1: /,
    );
    expect(existsSync(out)).toBe(false);
  });
});
