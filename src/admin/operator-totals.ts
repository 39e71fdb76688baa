// Records in and out and time per operator since the start, summed from each batch's profile.

import type { BatchStats } from '../coordinator/index.ts';

/** One operator's totals since the start. */
export type OperatorTotal = {
  readonly node: number;
  /** Records into it: the records consumed for a source, else what its parents handed on. */
  readonly in: number;
  readonly out: number;
  /** Main-thread operators: ms the main thread spent on it, measured; null in the slots. */
  readonly ms: number | null;
  /**
   * Its own ms in the slots (slot operators, and aggregations' slot side), estimated from one
   * value in 64 timed through the chain; null: none.
   */
  readonly sampledMs: number | null;
};

export type OperatorTotals = {
  readonly operators: readonly OperatorTotal[];
  /** The slots' time on their chained operators, summed over partitions and batches, ms. */
  readonly slotMs: number;
};

/** Sums each batch's operator and partition profiles; `totals` puts them on the plan's edges. */
export class OperatorCounter {
  readonly #out: number[] = [];
  readonly #ms: (number | undefined)[] = [];
  readonly #sampledMs: (number | undefined)[] = [];
  #consumed = 0;
  #slotMs = 0;

  add(stats: BatchStats): void {
    this.#consumed += stats.consumed;
    for (const { node, out, ms, sampledMs } of stats.operators ?? []) {
      this.#out[node] = (this.#out[node] ?? 0) + out;
      if (ms !== undefined) this.#ms[node] = (this.#ms[node] ?? 0) + ms;
      if (sampledMs !== undefined) this.#sampledMs[node] = (this.#sampledMs[node] ?? 0) + sampledMs;
    }
    for (const partition of stats.partitions ?? []) this.#slotMs += partition.slotMs ?? 0;
  }

  /** Per operator of the plan (`parents` per node), the totals; sources take the records consumed. */
  totals(parents: readonly (readonly number[])[]): OperatorTotals {
    const sources = parents.filter((list) => list.length === 0).length;
    const operators = parents.map((list, node): OperatorTotal => {
      const into =
        list.length === 0
          ? // Several inputs: each source's own count is what it handed on.
            sources === 1
            ? this.#consumed
            : (this.#out[node] ?? 0)
          : list.reduce((sum, parent) => sum + (this.#out[parent] ?? 0), 0);
      const ms = this.#ms[node];
      const sampled = this.#sampledMs[node];
      return {
        node,
        in: into,
        out: this.#out[node] ?? 0,
        ms: ms === undefined ? null : round(ms),
        sampledMs: sampled === undefined ? null : round(sampled),
      };
    });
    return { operators, slotMs: round(this.#slotMs) };
  }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
