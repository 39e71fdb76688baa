// The configuration to paste: the fastest rate point that kept the p99 target and lost nothing.

import { ErrorCode, SluiceError } from '../errors/index.ts';
import { formatMs, formatNumber } from './format.ts';
import type { BenchConfig, BenchResults, RatePoint } from './results.ts';
import { seriesOf } from './series.ts';

/** The recommended configuration with its rate point and settings, or why there is none. */
export type Recommendation =
  | {
      readonly config: BenchConfig;
      readonly point: RatePoint;
      /** A `# ` line with what it achieved, then `SLUICE_NAME=value` lines sorted by name. */
      readonly lines: readonly string[];
    }
  | { readonly reason: string };

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PLAIN_VALUE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** `value` as one shell word: bare when nothing in it is special, else single-quoted. */
function shellWord(value: string): string {
  return PLAIN_VALUE.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

function oneLine(text: string): string {
  return text.replace(/[\r\n\u2028\u2029]+/g, ' ');
}

function byName(a: readonly [string, string], b: readonly [string, string]): number {
  // Code-unit order, not localeCompare: the same on every machine.
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

function envLines(config: BenchConfig, point: RatePoint): string[] {
  const lines = [
    `# p99 ${formatMs(point.latency.p99)} ms at ${formatNumber(point.producedRate)} events/s ` +
      `(${formatNumber(point.percent, 1)} % of capacity): ${oneLine(config.label)}`,
  ];
  const entries = Object.entries(config.env).sort(byName);
  if (entries.length === 0) lines.push("# Sluice's defaults: nothing to set");
  for (const [name, value] of entries) {
    lines.push(
      VARIABLE_NAME.test(name)
        ? `${name}=${shellWord(value)}`
        : `# left out, not a variable name: ${JSON.stringify(name)}`,
    );
  }
  return lines;
}

/**
 * Among the configurations' rate points (not the reference's) that processed every event produced
 * with a p99 at or below `targetP99Ms`, the one with the highest produced rate (then the lower p99,
 * then the earlier configuration). Its `lines` are ready to paste into a shell or an env file.
 *
 * @example
 * const choice = recommend(results, 50);
 * console.log('lines' in choice ? choice.lines.join('\n') : choice.reason);
 */
export function recommend(results: BenchResults, targetP99Ms: number): Recommendation {
  if (!(targetP99Ms > 0)) {
    throw new SluiceError(
      ErrorCode.usage,
      `the p99 target must be a positive number of ms; got ${targetP99Ms}`,
    );
  }
  let best: { config: BenchConfig; point: RatePoint } | undefined;
  let lowest: { name: string; point: RatePoint } | undefined;
  for (const series of seriesOf(results)) {
    if (series.reference) continue;
    for (const point of series.result.rates ?? []) {
      const { p99 } = point.latency;
      if (Number.isFinite(p99) && (lowest === undefined || p99 < lowest.point.latency.p99)) {
        lowest = { name: series.name, point };
      }
      if (
        point.processed !== point.produced ||
        !(p99 <= targetP99Ms) ||
        !Number.isFinite(point.producedRate)
      ) {
        continue;
      }
      const better =
        best === undefined ||
        point.producedRate > best.point.producedRate ||
        (point.producedRate === best.point.producedRate && p99 < best.point.latency.p99);
      if (better) best = { config: series.result.config, point };
    }
  }
  if (best !== undefined) return { ...best, lines: envLines(best.config, best.point) };
  if (lowest === undefined) {
    return {
      reason: `No latency figures: no configuration has a rate point with a p99, so none meets p99 ≤ ${formatMs(targetP99Ms)} ms.`,
    };
  }
  const { name, point } = lowest;
  const lost =
    point.processed === point.produced
      ? ''
      : `, where it processed ${formatNumber(point.processed)} of ${formatNumber(point.produced)} events`;
  return {
    reason:
      `No configuration kept p99 at or below ${formatMs(targetP99Ms)} ms while processing every event: ` +
      `the lowest p99 seen was ${formatMs(point.latency.p99)} ms, by ${oneLine(name)} at ` +
      `${formatNumber(point.percent, 1)} % of capacity (${formatNumber(point.producedRate)} events/s)${lost}.`,
  };
}
