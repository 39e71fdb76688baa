// print(): Spark's console output of a batch, a header with the batch time and the first values.

import type { BatchInfo } from '../core/index.ts';
import { toJson } from '../core/index.ts';

/** Spark's print(): a header with the batch time, then the first `count` values, one JSON per line. */
export function formatPrint(values: readonly unknown[], info: BatchInfo, count: number): string {
  const rule = '-------------------------------------------';
  const lines = [rule, `Time: ${info.time} ms`, rule, ...values.slice(0, count).map(toJson)];
  if (values.length > count) lines.push('...');
  return `${lines.join('\n')}\n\n`;
}
