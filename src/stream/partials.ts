import { normalizeKey } from './graph.ts';

/** What a worker sends back for one exported node of one partition batch. */
export type Export =
  | { readonly node: number; readonly kind: 'records'; readonly values: unknown[] }
  | { readonly node: number; readonly kind: 'pairs'; readonly pairs: [unknown, unknown][] }
  | { readonly node: number; readonly kind: 'reduce'; readonly has: boolean; readonly value: unknown }
  | { readonly node: number; readonly kind: 'count'; readonly count: number };

type Combine = (a: never, b: never) => unknown;

/** Per-key accumulation that keeps each key's first original form (object keys go by JSON). */
export class KeyedAccumulator {
  readonly #entries = new Map<unknown, [unknown, unknown]>();
  readonly #combine: (a: unknown, b: unknown) => unknown;

  constructor(combine: Combine) {
    this.#combine = combine as (a: unknown, b: unknown) => unknown;
  }

  add(key: unknown, value: unknown): void {
    const normalized = normalizeKey(key);
    const entry = this.#entries.get(normalized);
    if (entry) entry[1] = this.#combine(entry[1], value);
    else this.#entries.set(normalized, [key, value]);
  }

  pairs(): [unknown, unknown][] {
    return [...this.#entries.values()];
  }
}

export const sumCounts = (a: number, b: number): number => a + b;

/** A running `reduce` over values. */
export class Reduction {
  has = false;
  value: unknown = undefined;
  readonly #combine: (a: unknown, b: unknown) => unknown;

  constructor(combine: Combine) {
    this.#combine = combine as (a: unknown, b: unknown) => unknown;
  }

  add(value: unknown): void {
    this.value = this.has ? this.#combine(this.value, value) : value;
    this.has = true;
  }
}
