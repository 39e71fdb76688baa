/** Expected results of event-time window counts, recomputed from the records themselves. */

export type TimedKey = { readonly key: string; readonly time: number };

/** A row of the aggregate job's window output. */
export type WindowRow = {
  readonly key: string;
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly value: number;
};

/** A late record of a one-partition run with one record per batch. */
export type LateVerdict = { readonly index: number; readonly eventTime: number; readonly watermark: number };

/** Rows in one order: by window, then key. */
export function sortRows(rows: readonly WindowRow[]): WindowRow[] {
  return [...rows].sort(
    (a, b) =>
      a.windowStart - b.windowStart ||
      a.windowEnd - b.windowEnd ||
      (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
  );
}

/** Per window `[n·slide, n·slide + size)` and key, how many records it holds; sorted by `sortRows`. */
export function windowCounts(records: readonly TimedKey[], sizeMs: number, slideMs = sizeMs): WindowRow[] {
  const counts = new Map<string, { key: string; windowStart: number; count: number }>();
  for (const { key, time } of records) {
    for (let n = Math.floor((time - sizeMs) / slideMs) + 1; n * slideMs <= time; n++) {
      const windowStart = n * slideMs;
      if (time >= windowStart + sizeMs) continue;
      const id = `${windowStart}\u0000${key}`;
      const entry = counts.get(id);
      if (entry) entry.count++;
      else counts.set(id, { key, windowStart, count: 1 });
    }
  }
  return sortRows(
    [...counts.values()].map(({ key, windowStart, count }) => ({
      key,
      windowStart,
      windowEnd: windowStart + sizeMs,
      value: count,
    })),
  );
}

const rowId = (row: WindowRow): string => `${row.windowStart}/${row.windowEnd}/${row.key}`;

/** Every emission whose value is not the oracle's for its (key, window), or that the oracle lacks. */
export function wrongValues(rows: readonly WindowRow[], oracle: readonly WindowRow[]): WindowRow[] {
  const expected = new Map(oracle.map((row) => [rowId(row), row.value]));
  return rows.filter((row) => expected.get(rowId(row)) !== row.value);
}

/** The last emission of each (key, window), in emission order. */
export function lastValues(rows: readonly WindowRow[]): WindowRow[] {
  return sortRows([...new Map(rows.map((row) => [rowId(row), row])).values()]);
}

/**
 * One partition, one record per batch: record i runs with the watermark left by records
 * 0..i−1 (their largest time minus the lateness, −∞ before any) and is late when older.
 */
export function lateInOnePartition(times: readonly number[], latenessMs: number): LateVerdict[] {
  const late: LateVerdict[] = [];
  let max = Number.NEGATIVE_INFINITY;
  times.forEach((time, index) => {
    const watermark = max - latenessMs;
    if (time < watermark) late.push({ index, eventTime: time, watermark });
    max = Math.max(max, time);
  });
  return late;
}

/**
 * Per key, its sessions: records sorted by time, cut where two neighbours are `gapMs` or more
 * apart; `[first, last + gap)` with the count of records. Sorted by `sortRows`.
 */
export function sessionCounts(records: readonly TimedKey[], gapMs: number): WindowRow[] {
  const byKey = new Map<string, number[]>();
  for (const { key, time } of records) byKey.set(key, [...(byKey.get(key) ?? []), time]);
  const rows: WindowRow[] = [];
  for (const [key, times] of byKey) {
    times.sort((a, b) => a - b);
    let first = 0;
    for (let at = 1; at <= times.length; at++) {
      const previous = times[at - 1] as number;
      if (at < times.length && (times[at] as number) - previous < gapMs) continue;
      rows.push({ key, windowStart: times[first] as number, windowEnd: previous + gapMs, value: at - first });
      first = at;
    }
  }
  return sortRows(rows);
}

/** Update-mode rows with retractions (`retracted: true`) applied in order: what is left of each session. */
export function afterRetractions(rows: readonly (WindowRow & { readonly retracted?: true })[]): WindowRow[] {
  const left = new Map<string, WindowRow>();
  for (const row of rows) {
    const id = `${row.windowStart}/${row.windowEnd}/${row.key}`;
    if (row.retracted) left.delete(id);
    else left.set(id, row);
  }
  return sortRows([...left.values()]);
}
