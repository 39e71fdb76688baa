import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Sums `value` over every row the file sink wrote to `dir`: for a count job, the records it
 * counted, so a benchmark can check that each run saw every record exactly once.
 */
export function countedByFileSink(dir: string): number {
  let total = 0;
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.jsonl')) continue;
    for (const line of readFileSync(join(dir, name), 'utf8').split('\n')) {
      if (line !== '') total += (JSON.parse(line) as { value: number }).value;
    }
  }
  return total;
}

/** The rows of the last batch's file the file sink wrote to `dir` (by batch id), parsed. */
export function lastBatchRows(dir: string): unknown[] {
  const batchId = (name: string): number => Number(/-(\d+)\.jsonl$/.exec(name)?.[1] ?? -1);
  const last = readdirSync(dir)
    .filter((name) => name.endsWith('.jsonl'))
    .sort((a, b) => batchId(a) - batchId(b))
    .at(-1);
  if (last === undefined) return [];
  return readFileSync(join(dir, last), 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line): unknown => JSON.parse(line));
}
