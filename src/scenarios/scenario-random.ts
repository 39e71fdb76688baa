// The random draws of the scenarios: one seeded stream per purpose, so that adding a draw to one
// (the bad lines of the logs, say) does not move the others.

import { seededRandom } from '../core/index.ts';

export type Random = {
  /** A float in [0, 1). */
  readonly next: () => number;
  /** An integer in [0, n). */
  readonly int: (n: number) => number;
  readonly chance: (p: number) => boolean;
  readonly pick: <T>(items: readonly T[]) => T;
};

/**
 * A generator for `seed` (any safe integer: its high bits are folded in, so seeds 2^32 apart
 * differ) and `stream`, a small number naming what the draws are for.
 */
export function scenarioRandom(seed: number, stream: number): Random {
  const high = Math.floor(seed / 2 ** 32);
  const next = seededRandom((seed ^ Math.imul(high, 0x9e3779b1) ^ Math.imul(stream + 1, 0x85ebca6b)) >>> 0);
  const int = (n: number): number => Math.floor(next() * n);
  return {
    next,
    int,
    chance: (p) => next() < p,
    pick: <T>(items: readonly T[]): T => {
      const item = items[int(items.length)];
      if (item === undefined) throw new RangeError('pick from an empty list');
      return item;
    },
  };
}

/** 2026-01-01T00:00:00Z: where every scenario's event time starts. */
export const SCENARIO_EPOCH = Date.UTC(2026, 0, 1);
