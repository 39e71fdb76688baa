// The sections of report.md, each as lines; report.ts puts them together.

import { CHART_FILES } from './charts.ts';
import { formatMs, formatNumber } from './format.ts';
import { fenced, mdText, table } from './markdown.ts';
import { recommend } from './recommend.ts';
import type { BenchResults, CatchUpResult } from './results.ts';
import { seriesOf } from './series.ts';

function duration(startedAt: string, finishedAt: string): string {
  const ms = Date.parse(finishedAt) - Date.parse(startedAt);
  if (!Number.isFinite(ms) || ms < 0) return '';
  const seconds = Math.round(ms / 1000);
  const parts = [
    [Math.floor(seconds / 3600), 'h'],
    [Math.floor(seconds / 60) % 60, 'min'],
    [seconds % 60, 's'],
  ] as const;
  const shown = parts.filter(([n]) => n > 0).map(([n, unit]) => `${n} ${unit}`);
  return ` (${shown.length === 0 ? '0 s' : shown.join(' ')})`;
}

/** Title, when, the command, the machine and the workload. */
export function headerSection(results: BenchResults): string[] {
  const { machine: m, workload: w } = results;
  return [
    '# Sluice benchmark',
    '',
    `Run from ${mdText(results.startedAt)} to ${mdText(results.finishedAt)}${duration(results.startedAt, results.finishedAt)}, by:`,
    '',
    fenced(results.command, 'sh'),
    '',
    `**Machine:** ${mdText(m.cpus)}, ${formatNumber(m.cores)} cores, ${formatNumber(m.memoryGiB, 1)} GiB memory · ` +
      `Node ${mdText(m.node)} · Sluice ${mdText(m.sluice)} · Kafka ${mdText(m.kafka)} · ` +
      `load ${formatNumber(m.load[0], 2)} at the start, ${formatNumber(m.load[1], 2)} at the end (1-minute average)`,
    '',
    `**Workload:** job ${mdText(w.job)}: ${formatNumber(w.events)} events over ${formatNumber(w.partitions)} partitions, ` +
      `${formatNumber(w.valueBytes)}-byte values, ${mdText(w.compression)} compression, ${formatNumber(w.keys)} keys ` +
      `(skew ${formatNumber(w.keySkew, 2)}), seed ${formatNumber(w.seed)}; each latency rate produced for ` +
      `${formatNumber(w.durationSeconds)} s`,
  ];
}

function processedCheck(catchUp: CatchUpResult): string {
  if (catchUp.processed.length === 0) return 'no rounds';
  const short: string[] = [];
  for (const [i, n] of catchUp.processed.entries()) {
    if (n !== catchUp.events)
      short.push(`round ${i + 1}: ${formatNumber(n)} of ${formatNumber(catchUp.events)}`);
  }
  return short.length === 0 ? '✓' : short.join('; ');
}

/** The catch-up table, the reference last; empty when nothing has catch-up figures. */
export function catchUpSection(results: BenchResults): string[] {
  const rows: string[][] = [];
  for (const { name, result } of seriesOf(results)) {
    const c = result.catchUp;
    if (c === undefined) continue;
    const eps = c.eventsPerSecond;
    rows.push([
      name,
      `${formatNumber(eps.median)} (${formatNumber(eps.min)}–${formatNumber(eps.max)})`,
      formatNumber(c.cpuSecondsPerMillion.median, 2),
      formatNumber(c.peakRssMiB.median),
      processedCheck(c),
    ]);
  }
  if (rows.length === 0) return [];
  return [
    '## Catch-up',
    '',
    'The preloaded events read from the start as fast as each configuration goes; medians over the rounds.',
    '',
    ...table(
      [
        { heading: 'configuration' },
        { heading: 'events/s median (min–max)', numeric: true },
        { heading: 'CPU s per 1M events', numeric: true },
        { heading: 'peak RSS MiB', numeric: true },
        { heading: 'processed' },
      ],
      rows,
    ),
  ];
}

/** The latency table, one row per rate point, the reference last; empty without rate points. */
export function latencySection(results: BenchResults): string[] {
  const rows: string[][] = [];
  for (const { name, result } of seriesOf(results)) {
    for (const p of result.rates ?? []) {
      const l = p.latency;
      const counts = `${formatNumber(p.processed)} / ${formatNumber(p.produced)}`;
      rows.push([
        name,
        formatNumber(p.percent, 1),
        formatNumber(p.targetRate),
        formatNumber(p.producedRate),
        formatMs(l.p50),
        formatMs(l.p90),
        formatMs(l.p99),
        formatMs(l.p999),
        formatMs(l.max),
        p.processed === p.produced ? counts : `${counts} ✗`,
      ]);
    }
  }
  if (rows.length === 0) return [];
  return [
    '## Latency',
    '',
    `Each configuration at fixed input rates, as a percentage of its catch-up capacity, for ` +
      `${formatNumber(results.workload.durationSeconds)} s each; latencies in milliseconds.`,
    '',
    ...table(
      [
        { heading: 'configuration' },
        { heading: '% of capacity', numeric: true },
        { heading: 'target ev/s', numeric: true },
        { heading: 'produced ev/s', numeric: true },
        { heading: 'p50', numeric: true },
        { heading: 'p90', numeric: true },
        { heading: 'p99', numeric: true },
        { heading: 'p99.9', numeric: true },
        { heading: 'max (ms)', numeric: true },
        { heading: 'processed/produced', numeric: true },
      ],
      rows,
    ),
  ];
}

/** The configurations that failed, with their errors; empty when none did. */
export function failedSection(results: BenchResults): string[] {
  const rows: string[][] = [];
  for (const { name, result } of seriesOf(results)) {
    if (result.error !== undefined) rows.push([name, result.error]);
  }
  if (rows.length === 0) return [];
  return [
    '## Failed configurations',
    '',
    ...table([{ heading: 'configuration' }, { heading: 'error' }], rows),
  ];
}

const TITLES: ReadonlyMap<string, string> = new Map(Object.values(CHART_FILES).map((c) => [c.file, c.title]));

/** The charts as images, by file name relative to the report; empty without charts. */
export function chartsSection(files: readonly string[]): string[] {
  if (files.length === 0) return [];
  const images = files.map((file) => {
    const target = encodeURI(file).replaceAll('(', '%28').replaceAll(')', '%29');
    return `![${mdText(TITLES.get(file) ?? file)}](${target})`;
  });
  return ['## Charts', '', ...images.flatMap((image, i) => (i === 0 ? [image] : ['', image]))];
}

/** What `recommend` says for the target: the settings in a `sh` block, or why there are none. */
export function recommendationSection(results: BenchResults, targetP99Ms: number): string[] {
  const heading = `## Recommendation for p99 ≤ ${formatMs(targetP99Ms)} ms`;
  const choice = recommend(results, targetP99Ms);
  if ('reason' in choice) return [heading, '', mdText(choice.reason)];
  const { config, point } = choice;
  return [
    heading,
    '',
    `The highest rate that kept p99 at or below ${formatMs(targetP99Ms)} ms and processed every event: ` +
      `**${mdText(config.label)}** at ${formatNumber(point.producedRate)} events/s ` +
      `(${formatNumber(point.percent, 1)} % of its capacity), p99 ${formatMs(point.latency.p99)} ms. Its settings:`,
    '',
    fenced(choice.lines.join('\n'), 'sh'),
  ];
}
