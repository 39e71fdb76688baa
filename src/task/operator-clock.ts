// Each slot operator's own time in a batch, estimated from one value in SAMPLE_EVERY timed through the chain.

import type { Receiver } from './operators/types.ts';

/**
 * One value in this many is timed at each entry into the chain (a record, or a value a stage's end
 * hands on); a timer per value and operator would cost more than most operators.
 */
export const SAMPLE_EVERY = 64;

/**
 * What the clock reads: a timer in ms, where in each run of SAMPLE_EVERY values to sample, and
 * what reading the timer costs (ms), taken off each timed span.
 */
export type OperatorTimer = { now(): number; phase(): number; cost(): number };

/**
 * performance.now, and a random phase: no value of a batch (its first, a cold one) is always
 * timed. Reading the timer costs 50 to 200 ns, as much as a small operator: each span between two
 * reads holds one read, which is taken off (the median gap of consecutive reads, measured once).
 */
export const operatorTimer: OperatorTimer = {
  now: () => performance.now(),
  phase: () => Math.floor(Math.random() * SAMPLE_EVERY),
  cost: () => {
    timerCost ??= medianGap(() => performance.now());
    return timerCost;
  },
};

let timerCost: number | undefined;

function medianGap(now: () => number): number {
  const gaps = new Float64Array(2_001);
  let last = now();
  for (let read = 0; read < 10_000 + gaps.length; read++) {
    const at = now();
    if (read >= 10_000) gaps[read - 10_000] = at - last;
    last = at;
  }
  return gaps.sort()[gaps.length >> 1] ?? 0;
}

/**
 * Slot operators run chained, a value at a time through nested calls, so an operator's own time
 * is the time between entering it and entering a child, plus the time after each child returns.
 * For a sampled value the clock keeps exactly that (`edge` marks every hand-over). Each value is
 * sampled with probability 1/SAMPLE_EVERY (one in each run of that many, at a random phase), so
 * the sampled times times SAMPLE_EVERY estimate the batch's without bias, however small it is.
 * Unsampled values pay a branch.
 */
export class OperatorClock {
  readonly #now: () => number;
  readonly #every: number;
  readonly #phase: number;
  readonly #cost: number;
  /** Estimated own ms per node over the batch. */
  readonly #ms: Float64Array;
  /** Sampled own ms per node since the last fold. */
  readonly #sampled: Float64Array;
  #entries = 0;
  #mark = 0;
  /** Whether a sampled value is going through the chain: hand-overs are timed. */
  on = false;
  /** The node whose batch end is running, whose values enter the chain (-1: none). */
  ending = -1;

  constructor(nodes: number, timer: OperatorTimer = operatorTimer, every = SAMPLE_EVERY) {
    this.#now = timer.now;
    this.#every = every;
    this.#phase = timer.phase() % every;
    this.#cost = timer.cost();
    this.#ms = new Float64Array(nodes);
    this.#sampled = new Float64Array(nodes);
  }

  /**
   * A value entering the chain at `node`: `plain` runs it there, or `timed` (which times its
   * hand-overs with `edge`) when it is sampled.
   */
  enter(node: number, value: unknown, plain: Receiver, timed: Receiver = plain): void {
    if (this.on || this.#entries++ % this.#every !== this.#phase) {
      plain(value);
      return;
    }
    this.on = true;
    this.#mark = this.#now();
    try {
      timed(value);
    } finally {
      this.#own(node);
      this.on = false;
    }
  }

  /** `parent` hands `value` to `child` (`receive`) while a sampled value is timed. */
  edge(parent: number, child: number, receive: Receiver, value: unknown): void {
    this.#own(parent);
    try {
      receive(value);
    } finally {
      this.#own(child);
    }
  }

  /** Runs `node`'s batch end: its own time is the whole end but what its values cost further on. */
  end(node: number, run: () => void): void {
    this.fold();
    const began = this.#now();
    this.ending = node;
    try {
      run();
    } finally {
      this.ending = -1;
      // The sampled values' times, the node's own hand-overs among them, are in the estimates now.
      const sampled = this.fold();
      this.#ms[node] = (this.#ms[node] ?? 0) + Math.max(0, this.#now() - began - sampled);
    }
  }

  /** Adds the sampled times, scaled, to the estimates; returns what they came to. */
  fold(): number {
    let total = 0;
    for (let node = 0; node < this.#sampled.length; node++) {
      const ms = (this.#sampled[node] ?? 0) * this.#every;
      if (ms === 0) continue;
      this.#ms[node] = (this.#ms[node] ?? 0) + ms;
      total += ms;
    }
    this.#sampled.fill(0);
    return total;
  }

  /** Estimated own ms per node over the batch. */
  estimates(): number[] {
    this.fold();
    return [...this.#ms];
  }

  #own(node: number): void {
    const now = this.#now();
    const spent = now - this.#mark - this.#cost;
    if (spent > 0) this.#sampled[node] = (this.#sampled[node] ?? 0) + spent;
    this.#mark = now;
  }
}
