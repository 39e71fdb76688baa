import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Every JSON line of every batch file in `dir`, in file-name order. */
export function readJsonLines<T>(dir: string): T[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.jsonl'))
    .sort()
    .flatMap((name) =>
      readFileSync(join(dir, name), 'utf8')
        .split('\n')
        .filter((line) => line.length > 0)
        .map((line) => JSON.parse(line) as T),
    );
}

/** Sums `[key, count]` pairs over all batches. */
export function totals(pairs: readonly (readonly [string, number])[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, count] of pairs) out[key] = (out[key] ?? 0) + count;
  return out;
}
