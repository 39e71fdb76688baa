import { describe, expect, it } from 'vitest';
import { cdfChart, frontierChart, slotsChart, throughputChart } from '../../src/bench/index.ts';
import { continuous, HOSTILE_LABELS, hostile, results, withoutCatchUp, withoutRates } from './fixture.ts';

/** `text` as it reads in an SVG text node. */
function xml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** The content of every `<text>` element that has some (vega writes empty ones as `<text …/>`). */
function texts(svg: string): string[] {
  return [...svg.matchAll(/<text\b(?:[^>]*[^/>])?>(.*?)<\/text>/gs)].map((m) => m[1] ?? '');
}

/** Every tag is a well-formed open, close or self-closing tag with quoted attributes. */
const TAG = /^<(\/[a-zA-Z][\w:-]*|[a-zA-Z][\w:-]*(\s+[\w:-]+="[^"<]*")*\s*\/?)>$/;

function expectWellFormed(svg: string): void {
  expect(svg.startsWith('<svg')).toBe(true);
  expect(svg.endsWith('</svg>')).toBe(true);
  expect(svg.match(/<[^>]*>/g)?.filter((tag) => !TAG.test(tag)) ?? []).toEqual([]);
  // No `<` outside a tag and no `&` that is not an entity.
  expect(svg.replace(/<[^>]*>/g, '')).not.toContain('<');
  expect(svg.match(/&(?!(amp|lt|gt|quot|apos|#\d+|#x[\da-f]+);)/gi)).toBeNull();
  for (const text of texts(svg)) expect(text).not.toMatch(/</);
}

const LABELS = ['continuous · 1 slot', 'micro-batch 100 ms · 2 slots', 'micro-batch 1 s · 4 slots'];
const REFERENCE = 'kafkajs 2.2.4 eachBatch (reference)';

describe('frontierChart', () => {
  it('draws a line per configuration and the reference dashed, labelled, with its axes', async () => {
    const svg = (await frontierChart(results)) ?? '';
    expectWellFormed(svg);
    expect(texts(svg)).toEqual(
      expect.arrayContaining([
        ...LABELS,
        REFERENCE,
        'Throughput against p99 latency',
        'Produced rate (events/s)',
        'p99 latency (ms, log scale)',
        '600,000',
      ]),
    );
    expect(texts(svg)).not.toContain('continuous · 8 slots');
    // The reference's line and its two points.
    expect(svg.match(/stroke-dasharray="6,4"/g)?.length).toBe(3);
  });

  it('draws no dashes without a reference, and is the same text for the same results', async () => {
    const { reference: _, ...sluiceOnly } = results;
    const svg = await frontierChart(sluiceOnly);
    expect(svg).not.toContain('stroke-dasharray');
    expect(texts(svg ?? '')).not.toContain(REFERENCE);
    expect(await frontierChart(sluiceOnly)).toBe(svg);
  });

  it('is undefined without rate points', async () => {
    expect(await frontierChart(withoutRates(results))).toBeUndefined();
  });
});

describe('cdfChart', () => {
  it('draws each configuration at the requested percent of its capacity', async () => {
    const svg = (await cdfChart(results, 50)) ?? '';
    expectWellFormed(svg);
    expect(texts(svg)).toEqual(
      expect.arrayContaining([
        ...LABELS,
        REFERENCE,
        'Latency distribution at the rate nearest 50 % of capacity',
        'Latency (ms, log scale)',
        'Fraction of events at or below (0–1)',
      ]),
    );
  });

  it('labels a configuration with the percent it was drawn at when that is not the one asked for', async () => {
    const svg = (await cdfChart(results, 30)) ?? '';
    expect(texts(svg)).toEqual(
      expect.arrayContaining([
        'continuous · 1 slot (at 25 %)',
        'micro-batch 1 s · 4 slots (at 25 %)',
        'kafkajs 2.2.4 eachBatch (reference) (at 25 %)',
      ]),
    );
    expect(texts(svg)).not.toContain('continuous · 1 slot');
  });

  it('is undefined without rate points', async () => {
    expect(await cdfChart(withoutRates(results), 50)).toBeUndefined();
  });
});

describe('slotsChart', () => {
  it('draws the configurations with a workers axis and the reference as a rule labelled kafkajs', async () => {
    const svg = (await slotsChart(results)) ?? '';
    expectWellFormed(svg);
    expect(texts(svg)).toEqual(
      expect.arrayContaining([
        ...LABELS,
        'kafkajs',
        'Catch-up throughput per worker slot count',
        'Catch-up throughput (events/s)',
        'Worker slots',
        '1',
        '2',
        '4',
      ]),
    );
    // The failed configuration has a workers axis but no figures.
    expect(texts(svg)).not.toContain('8');
    expect(texts(svg)).not.toContain(REFERENCE);
  });

  it('is undefined without catch-up figures or without a workers axis', async () => {
    expect(await slotsChart(withoutCatchUp(results))).toBeUndefined();
    const noAxes = results.configs.map((c) => ({
      ...c,
      config: { ...c.config, axes: { trigger: 'continuous' } },
    }));
    expect(await slotsChart({ ...results, configs: noAxes })).toBeUndefined();
  });
});

describe('throughputChart', () => {
  it('draws a bar per configuration and the reference', async () => {
    const svg = (await throughputChart(results)) ?? '';
    expectWellFormed(svg);
    expect(texts(svg)).toEqual(
      expect.arrayContaining([
        ...LABELS,
        REFERENCE,
        'Catch-up throughput',
        'Catch-up throughput (events/s, median with min–max)',
        'Configuration',
        'Sluice',
        'kafkajs',
      ]),
    );
    expect(texts(svg)).not.toContain('continuous · 8 slots');
  });

  it('is undefined without catch-up figures', async () => {
    expect(await throughputChart(withoutCatchUp(results))).toBeUndefined();
  });
});

describe('long labels', () => {
  it('are written whole, not cut short with an ellipsis', async () => {
    const label = 'micro-batch 100 ms · 2 slots · lz4 · 64 KiB fetches · exactly-once to Postgres';
    const long = { ...results, configs: [{ ...continuous, config: { ...continuous.config, label } }] };
    for (const svg of [await frontierChart(long), await cdfChart(long, 50), await throughputChart(long)]) {
      expect(texts(svg ?? '')).toContain(label);
    }
  });
});

describe('hostile labels', () => {
  it('are escaped in every chart, whole and as text', async () => {
    const charts = [
      await frontierChart(hostile),
      await cdfChart(hostile, 50),
      await slotsChart(hostile),
      await throughputChart(hostile),
    ];
    for (const svg of charts) {
      expect(svg).toBeDefined();
      expectWellFormed(svg ?? '');
      for (const label of HOSTILE_LABELS) expect(svg).toContain(`>${xml(label)}</text>`);
      expect(svg).not.toContain('a<b');
    }
    expect(charts[0]).toContain(`>${xml('base|line (kafkajs reference)')}</text>`);
  });
});
