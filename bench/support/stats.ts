/** Median and spread of repeated measurements, and the Markdown that reports them. */

import { spreadOf } from '../../src/bench/index.ts';

export type Spread = {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly n: number;
};

export function spread(values: readonly number[]): Spread {
  if (values.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, n: 0 };
  return { ...spreadOf(values), n: values.length };
}

/** `1,234,567` */
export function int(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : 'n/a';
}

/** `1.23` */
export function fixed(value: number, digits = 2): string {
  return Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
}

/** Median with the min–max range: `1,234,567 (1,200,000–1,250,000)`. */
export function withRange(s: Spread, format: (value: number) => string = int): string {
  if (s.n === 0) return 'n/a';
  if (s.n === 1) return format(s.median);
  return `${format(s.median)} (${format(s.min)}–${format(s.max)})`;
}

export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  const rule = header.map((_, i) => (i === 0 ? '---' : '---:'));
  return [line(header), line(rule), ...rows.map(line)].join('\n');
}
