// Lag in time: a partition's lag in records over the rate its batches took records at lately.

import type { BatchRecord } from './types.ts';

/** How far back the consumption rate is measured, ms. */
export const LAG_RATE_WINDOW_MS = 10_000;

/**
 * Per partition (`topic-partition`), the records per second its batches took over the last
 * `windowMs` before the newest batch: the offsets its ranges covered over the time between the
 * batch before that span and the newest.
 */
export function consumptionRates(
  batches: readonly BatchRecord[],
  windowMs = LAG_RATE_WINDOW_MS,
): Map<string, number> {
  const rates = new Map<string, number>();
  const newest = batches[0];
  if (!newest) return rates;
  // Newest first: the span starts after the first batch older than the window.
  let start = newest.time;
  const records = new Map<string, number>();
  for (const batch of batches) {
    if (newest.time - batch.time >= windowMs) {
      start = batch.time;
      break;
    }
    start = batch.time - batch.intervalMs;
    for (const range of batch.offsetRanges) {
      const name = `${range.topic}-${range.partition}`;
      const taken = Number(BigInt(range.untilOffset) - BigInt(range.fromOffset));
      records.set(name, (records.get(name) ?? 0) + taken);
    }
  }
  const seconds = (newest.time - start) / 1000;
  if (seconds <= 0) return rates;
  for (const [name, count] of records) rates.set(name, count / seconds);
  return rates;
}

/**
 * How long a partition's lag takes to read at its recent rate, ms: 0 without lag, null when it
 * has lag and took no records lately (it does not catch up at all).
 */
export function lagMs(lag: number, rate: number | undefined): number | null {
  if (lag <= 0) return 0;
  if (rate === undefined || rate <= 0) return null;
  return Math.round((lag / rate) * 1000);
}
