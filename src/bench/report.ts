// report.md and the files beside it: what `sluice bench` leaves in its output folder.

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CHART_FILES, cdfChart, frontierChart, slotsChart, throughputChart } from './charts.ts';
import {
  catchUpSection,
  chartsSection,
  failedSection,
  headerSection,
  latencySection,
  recommendationSection,
} from './report-sections.ts';
import type { BenchResults } from './results.ts';

/** What the report shows beyond the results. */
export type ReportOptions = {
  /** Adds a recommendation for this p99, in ms. */
  readonly targetP99Ms?: number | undefined;
  /** The chart files written beside the report, shown in this order. */
  readonly charts: readonly string[];
};

/**
 * The results as a Markdown document: the run, catch-up and latency tables (the kafkajs reference
 * last), failed configurations, the charts and, given a target, the recommendation.
 *
 * @example writeFileSync('report.md', markdownReport(results, { charts: ['frontier.svg'], targetP99Ms: 50 }));
 */
export function markdownReport(results: BenchResults, options: ReportOptions): string {
  const sections = [
    headerSection(results),
    catchUpSection(results),
    latencySection(results),
    failedSection(results),
    chartsSection(options.charts),
    options.targetP99Ms === undefined ? [] : recommendationSection(results, options.targetP99Ms),
  ];
  return `${sections
    .filter((lines) => lines.length > 0)
    .map((lines) => lines.join('\n'))
    .join('\n\n')}\n`;
}

/**
 * Writes `results.json`, the charts that have data (`frontier.svg`, `cdf.svg` at 50 % of capacity,
 * `slots.svg`, `throughput.svg`) and `report.md` into `dir`, creating it; returns the paths written,
 * in that order. results.json comes first so a chart that fails to draw loses no figures.
 *
 * @example const paths = await writeReport(results, 'bench-out', { targetP99Ms: 50 });
 */
export async function writeReport(
  results: BenchResults,
  dir: string,
  options: { readonly targetP99Ms?: number | undefined } = {},
): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  const write = async (file: string, text: string): Promise<void> => {
    const path = join(dir, file);
    await writeFile(path, text);
    written.push(path);
  };
  await write('results.json', `${JSON.stringify(results, null, 2)}\n`);
  const charts = [
    [CHART_FILES.frontier.file, await frontierChart(results)],
    [CHART_FILES.cdf.file, await cdfChart(results, 50)],
    [CHART_FILES.slots.file, await slotsChart(results)],
    [CHART_FILES.throughput.file, await throughputChart(results)],
  ] as const;
  const shown: string[] = [];
  for (const [file, svg] of charts) {
    if (svg === undefined) continue;
    await write(file, svg);
    shown.push(file);
  }
  await write('report.md', markdownReport(results, { targetP99Ms: options.targetP99Ms, charts: shown }));
  return written;
}
