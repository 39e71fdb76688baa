// The configurations and the reference as the charts and tables name them.

import type { BenchResults, ConfigResult, RatePoint } from './results.ts';

/** A configuration, or the kafkajs reference, with the name it is shown under. */
export type Series = {
  /** The label, unique among the series (a repeated label gets ` (2)`, ` (3)`, …). */
  readonly name: string;
  readonly result: ConfigResult;
  readonly reference: boolean;
};

/** What the reference is shown as: its label marked `(reference)`, and as kafkajs unless it says so. */
export function referenceName(label: string): string {
  return /kafkajs/i.test(label) ? `${label} (reference)` : `${label} (kafkajs reference)`;
}

/** `names` made unique, in order: a repeat of an earlier name gets ` (2)`, ` (3)`, …. */
export function uniqueNames(names: readonly string[]): string[] {
  const taken = new Set<string>();
  const result: string[] = [];
  for (const [index, name] of names.entries()) {
    const base = name.trim() === '' ? `configuration ${index + 1}` : name;
    let unique = base;
    // Ends within names.length tries: each taken name blocks at most one candidate.
    for (let n = 2; taken.has(unique); n++) unique = `${base} (${n})`;
    taken.add(unique);
    result.push(unique);
  }
  return result;
}

/** The configurations in their order, then the reference when there is one. */
export function seriesOf(results: BenchResults): Series[] {
  const all = results.configs.map((result) => ({ result, reference: false }));
  if (results.reference !== undefined) all.push({ result: results.reference, reference: true });
  const names = uniqueNames(
    all.map((s) => (s.reference ? referenceName(s.result.config.label) : s.result.config.label)),
  );
  return all.map((s, i) => ({ ...s, name: names[i] ?? s.result.config.label }));
}

/** The rate point whose `percent` is closest to `percent`; the first of equally close ones. */
export function nearestRate(rates: readonly RatePoint[], percent: number): RatePoint | undefined {
  let best: RatePoint | undefined;
  for (const point of rates) {
    if (best === undefined || Math.abs(point.percent - percent) < Math.abs(best.percent - percent)) {
      best = point;
    }
  }
  return best;
}
