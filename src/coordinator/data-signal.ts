/**
 * Wakes whoever waits for records (a source's `waitForData`): on `notify()`, a timeout, or an
 * abort. A wait always lets the event loop turn first, so a caller that waits in a loop never
 * starves timers and sockets (kafkajs's fetches and heartbeats).
 */
export class DataSignal {
  readonly #waiters = new Set<() => void>();

  /** Records arrived: every wait in progress resolves. */
  notify(): void {
    for (const wake of this.#waiters) wake();
    this.#waiters.clear();
  }

  /** Resolves on `notify()`, after `timeoutMs` or once `signal` aborts; at once (next turn) when `ready`. */
  async wait(timeoutMs: number, signal: AbortSignal, ready: boolean): Promise<void> {
    if (ready || signal.aborted) {
      await new Promise((resolve) => setImmediate(resolve));
      return;
    }
    const { promise, resolve } = Promise.withResolvers<void>();
    const wake = (): void => resolve();
    const timer = setTimeout(wake, Math.max(1, timeoutMs));
    signal.addEventListener('abort', wake, { once: true });
    this.#waiters.add(wake);
    try {
      await promise;
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', wake);
      this.#waiters.delete(wake);
    }
  }
}
