// Each slot's busy share over the last interval, from the busy seconds the slots count since start.

/**
 * Per slot, the share of the last interval it was busy: the difference of two readings of its
 * busy seconds over the time between them. Read at each batch's end, the interval is the batch's.
 */
export class BusyShare {
  #previous: { readonly at: number; readonly seconds: readonly number[] } | undefined;
  #shares: number[] = [];

  /** A reading at `at` (epoch ms) of every slot's busy seconds since it started. */
  sample(at: number, seconds: readonly number[]): void {
    const previous = this.#previous;
    if (previous && at > previous.at) {
      const elapsed = (at - previous.at) / 1000;
      this.#shares = seconds.map((value, slot) => {
        const busy = value - (previous.seconds[slot] ?? 0);
        return Math.min(1, Math.max(0, busy / elapsed));
      });
    }
    if (!previous || at > previous.at) this.#previous = { at, seconds: [...seconds] };
  }

  /** Per slot, the busy share of the last interval; empty before two readings. */
  shares(): readonly number[] {
    return this.#shares;
  }
}
