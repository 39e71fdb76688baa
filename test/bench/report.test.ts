import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { markdownReport, writeReport } from '../../src/bench/index.ts';
import { hostile, results, withoutCatchUp, withoutRates } from './fixture.ts';

const CHARTS = ['frontier.svg', 'cdf.svg', 'slots.svg', 'throughput.svg'];

/** The lines of `report` from `heading` to the next blank line after its table. */
function section(report: string, heading: string): string[] {
  const lines = report.split('\n');
  const start = lines.indexOf(heading);
  expect(start).toBeGreaterThanOrEqual(0);
  const tableStart = lines.findIndex((line, i) => i > start && line.startsWith('|'));
  const end = lines.findIndex((line, i) => i > tableStart && line === '');
  return lines.slice(tableStart, end === -1 ? undefined : end);
}

/** The cells of a table line, split on the pipes that are not escaped. */
function cells(line: string): string[] {
  return line.slice(2, -2).split(/ (?<!\\)\| /);
}

describe('markdownReport', () => {
  const report = markdownReport(results, { targetP99Ms: 50, charts: CHARTS });

  it('opens with the run, the command, the machine and the workload', () => {
    expect(report.split('\n').slice(0, 12)).toEqual([
      '# Sluice benchmark',
      '',
      'Run from 2025-06-01T10:00:00.000Z to 2025-06-01T10:42:30.000Z (42 min 30 s), by:',
      '',
      '```sh',
      'sluice bench --job examples/jobs/count.ts --events 1000000',
      '```',
      '',
      '**Machine:** AMD EPYC 7B13, 4 cores, 15.6 GiB memory · Node v24.1.0 · Sluice 0.1.0 · Kafka 4.0.0 · ' +
        'load 0.52 at the start, 1.23 at the end (1-minute average)',
      '',
      '**Workload:** job examples/jobs/count.ts: 1,000,000 events over 12 partitions, 200-byte values, ' +
        'lz4 compression, 10,000 keys (skew 1.1), seed 42; each latency rate produced for 30 s',
      '',
    ]);
  });

  it('has the catch-up table with the mismatched round and the reference last', () => {
    expect(section(report, '## Catch-up')).toEqual([
      '| configuration | events/s median (min–max) | CPU s per 1M events | peak RSS MiB | processed |',
      '| --- | ---: | ---: | ---: | --- |',
      '| continuous · 1 slot | 250,000 (240,000–262,500) | 3.46 | 512 | ✓ |',
      '| micro-batch 100 ms · 2 slots | 410,000 (400,000–425,000) | 2.5 | 700 | round 2: 999,990 of 1,000,000 |',
      '| micro-batch 1 s · 4 slots | 800,000 (780,000–812,345) | 2.04 | 1,235 | ✓ |',
      '| kafkajs 2.2.4 eachBatch (reference) | 95,000 (90,000–99,000) | 9.87 | 180 | ✓ |',
    ]);
  });

  it('has the latency table, a row per rate point, marking the one that fell behind', () => {
    expect(section(report, '## Latency')).toEqual([
      '| configuration | % of capacity | target ev/s | produced ev/s | p50 | p90 | p99 | p99.9 | max (ms) | processed/produced |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      '| continuous · 1 slot | 25 | 62,500 | 62,480 | 1.2 | 2.5 | 4.8 | 9.1 | 31.4 | 1,874,400 / 1,874,400 |',
      '| continuous · 1 slot | 50 | 125,000 | 124,950 | 2 | 6.7 | 12.3 | 20 | 55.5 | 3,748,500 / 3,748,500 |',
      '| continuous · 1 slot | 75 | 187,500 | 187,000 | 9 | 30 | 48 | 70 | 120 | 5,600,000 / 5,610,000 ✗ |',
      '| micro-batch 100 ms · 2 slots | 25 | 102,500 | 102,400 | 60 | 100 | 120.5 | 150 | 210 | 3,072,000 / 3,072,000 |',
      '| micro-batch 100 ms · 2 slots | 50 | 205,000 | 204,800 | 70 | 130 | 180.3 | 200 | 250 | 6,144,000 / 6,144,000 |',
      '| micro-batch 100 ms · 2 slots | 75 | 307,500 | 306,000 | 90 | 200 | 260 | 300 | 420 | 9,180,000 / 9,180,000 |',
      '| micro-batch 1 s · 4 slots | 25 | 200,000 | 199,990 | 600 | 900 | 1,050 | 1,080 | 1,200 | 5,999,700 / 5,999,700 |',
      '| micro-batch 1 s · 4 slots | 50 | 400,000 | 399,800 | 610 | 950 | 1,100 | 1,150 | 1,400 | 11,994,000 / 11,994,000 |',
      '| micro-batch 1 s · 4 slots | 75 | 600,000 | 598,000 | 650 | 1,000 | 1,300 | 1,500 | 2,000 | 17,940,000 / 17,940,000 |',
      '| kafkajs 2.2.4 eachBatch (reference) | 25 | 23,750 | 23,750 | 1 | 2 | 3.1 | 5 | 9 | 712,500 / 712,500 |',
      '| kafkajs 2.2.4 eachBatch (reference) | 50 | 47,500 | 47,400 | 2 | 4 | 8.2 | 12 | 30 | 1,422,000 / 1,422,000 |',
    ]);
  });

  it('lists the failed configuration with its error', () => {
    expect(section(report, '## Failed configurations')).toEqual([
      '| configuration | error |',
      '| --- | --- |',
      '| continuous · 8 slots | SLUICE\\_WORKERS must be at most the cores (4); got 8 |',
    ]);
  });

  it('ends with the charts and the recommendation', () => {
    const tail = report.slice(report.indexOf('## Charts'));
    expect(tail).toBe(
      [
        '## Charts',
        '',
        '![Throughput against p99 latency](frontier.svg)',
        '',
        '![Latency distribution at 50 % of capacity](cdf.svg)',
        '',
        '![Catch-up throughput per worker slot count](slots.svg)',
        '',
        '![Catch-up throughput](throughput.svg)',
        '',
        '## Recommendation for p99 ≤ 50 ms',
        '',
        'The highest rate that kept p99 at or below 50 ms and processed every event: **continuous · 1 slot** ' +
          'at 124,950 events/s (50 % of its capacity), p99 12.3 ms. Its settings:',
        '',
        '```sh',
        '# p99 12.3 ms at 124,950 events/s (50 % of capacity): continuous · 1 slot',
        'SLUICE_TRIGGER=continuous',
        'SLUICE_WORKERS=1',
        '```',
        '',
      ].join('\n'),
    );
  });

  it('gives the reason when nothing meets the target, and leaves out what has no figures', () => {
    const bare = markdownReport(withoutCatchUp(withoutRates(results)), { targetP99Ms: 5, charts: [] });
    expect(bare.split('\n').filter((line) => line.startsWith('## '))).toEqual([
      '## Failed configurations',
      '## Recommendation for p99 ≤ 5 ms',
    ]);
    expect(
      bare.endsWith(
        '## Recommendation for p99 ≤ 5 ms\n\n' +
          'No latency figures: no configuration has a rate point with a p99, so none meets p99 ≤ 5 ms.\n',
      ),
    ).toBe(true);
    expect(markdownReport(results, { charts: [] })).not.toContain('## Recommendation');
  });

  it('escapes labels so that a pipe, markup or emphasis does not change the table', () => {
    const text = markdownReport(hostile, { targetP99Ms: 50, charts: [] });
    const rows = section(text, '## Catch-up').slice(2);
    expect(rows.map((row) => cells(row)[0])).toEqual([
      'a\\<b &amp; "c" \'d\'',
      '\\_\\_proto\\_\\_',
      'x\\|y \\</text\\>',
      'base\\|line (kafkajs reference)',
    ]);
    for (const row of rows) expect(cells(row)).toHaveLength(5);
    for (const row of section(text, '## Latency').slice(2)) expect(cells(row)).toHaveLength(10);
    expect(text).toContain('**a\\<b &amp; "c" \'d\'** at 124,950 events/s');
  });

  it('uses a fence longer than any backticks in the command', () => {
    const text = markdownReport({ ...results, command: 'sluice bench --job ```x```' }, { charts: [] });
    expect(text).toContain('\n````sh\nsluice bench --job ```x```\n````\n');
  });
});

describe('writeReport', () => {
  let dir = '';
  afterEach(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it('writes results.json, the four charts and report.md into a new folder', async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-bench-'));
    const out = join(dir, 'out');
    const written = await writeReport(results, out, { targetP99Ms: 50 });
    expect(written).toEqual(['results.json', ...CHARTS, 'report.md'].map((file) => join(out, file)));
    expect((await readdir(out)).sort()).toEqual([
      'cdf.svg',
      'frontier.svg',
      'report.md',
      'results.json',
      'slots.svg',
      'throughput.svg',
    ]);
    expect(JSON.parse(await readFile(join(out, 'results.json'), 'utf8'))).toEqual(results);
    expect(await readFile(join(out, 'report.md'), 'utf8')).toBe(
      markdownReport(results, { targetP99Ms: 50, charts: CHARTS }),
    );
    for (const file of CHARTS)
      expect((await readFile(join(out, file), 'utf8')).startsWith('<svg')).toBe(true);
  });

  it('writes only the charts that have data, and the report names only those', async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-bench-'));
    const latencyOnly = withoutCatchUp(results);
    const written = await writeReport(latencyOnly, dir);
    expect(written).toEqual(
      ['results.json', 'frontier.svg', 'cdf.svg', 'report.md'].map((file) => join(dir, file)),
    );
    expect((await readdir(dir)).sort()).toEqual(['cdf.svg', 'frontier.svg', 'report.md', 'results.json']);
    expect(await readFile(join(dir, 'report.md'), 'utf8')).toBe(
      markdownReport(latencyOnly, { charts: ['frontier.svg', 'cdf.svg'] }),
    );
  });
});
