// How long a worker slot has had work in hand: its busy seconds (sluice_slot_busy_seconds_total).

import { performance } from 'node:perf_hooks';

/**
 * Busy time of one worker slot: from a task handed to it while it had none until it has none
 * again. A one-thread slot runs its tasks in turn, so tasks waiting behind the running one add
 * nothing. `seconds()` never decreases and never exceeds the time since the start.
 */
export class BusyTime {
  readonly #now: () => number;
  readonly #startedAt: number;
  #tasks = 0;
  #since = 0;
  #busyMs = 0;

  /** `now`: a monotonic clock in milliseconds. */
  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
    this.#startedAt = now();
  }

  /** Runs `task` as the slot's work: busy from its start until it settles. */
  async during<T>(task: () => Promise<T>): Promise<T> {
    if (this.#tasks++ === 0) this.#since = this.#now();
    try {
      return await task();
    } finally {
      if (--this.#tasks === 0) this.#busyMs += this.#now() - this.#since;
    }
  }

  /** Busy seconds since the start, the work under way included. */
  seconds(): number {
    const current = this.#tasks > 0 ? this.#now() - this.#since : 0;
    return (this.#busyMs + current) / 1000;
  }

  /** The busy share of the time since the start: 0 before any time has passed, never NaN. */
  share(): number {
    const elapsedMs = this.#now() - this.#startedAt;
    return elapsedMs > 0 ? Math.min(1, (this.seconds() * 1000) / elapsedMs) : 0;
  }
}
