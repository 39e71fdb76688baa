// The stall watchdog: stops a run whose batch in flight makes no progress while records wait.

import { ErrorCode, SluiceError } from '../errors/index.ts';
import type { BatchInFlight } from './engine.ts';

/** What the watchdog reads on each check: the engine's batch in flight, the source's buffered records. */
export type StallProbe = {
  readonly inFlight: BatchInFlight | undefined;
  /** Records fetched and not yet in a batch (`SourceStatus.waiting`). */
  readonly buffered: number;
};

/** What was waiting when the watchdog gave up; `waitedMs` is how long nothing moved. */
export type Stall = StallProbe & { readonly timeoutMs: number; readonly waitedMs: number };

export type StallWatchdogOptions = {
  /** SLUICE_STALL_TIMEOUT_MS; 0 turns the watchdog off. */
  readonly timeoutMs: number;
  readonly probe: () => StallProbe;
  /** Called once, on the first check that finds a stall; the watchdog stops itself first. */
  readonly onStall: (stall: Stall) => void;
  /** The engine's clock: `BatchInFlight.startedAt` is read against it. */
  readonly now?: () => number;
};

const MAX_CHECK_EVERY_MS = 1_000;

/**
 * Restarting is the cure for a batch that never finishes (an output that hangs, a slot that does
 * not answer) or records that never get into one. A stall is either a batch in flight for the
 * timeout, or records buffered for the timeout without a batch that took records completing.
 * Nothing waiting is no stall, however long no batch ran: an idle stream is healthy. An
 * asynchronous call that settles (`BatchInFlight.calls` moved) is progress: a batch of many slow
 * calls may take longer than the timeout, as long as no stretch of the timeout passes without one.
 */
export class StallWatchdog {
  readonly #options: StallWatchdogOptions;
  readonly #now: () => number;
  #bufferedSince: number | undefined;
  /** The last `calls` count seen, and when it last changed. */
  #calls: number | undefined;
  #callsAt = Number.NEGATIVE_INFINITY;
  #timer: NodeJS.Timeout | undefined;
  #fired = false;

  constructor(options: StallWatchdogOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** Checks every tenth of the timeout (at most every second) until stopped or fired. */
  start(): void {
    const { timeoutMs } = this.#options;
    if (timeoutMs === 0 || this.#timer || this.#fired) return;
    const every = Math.min(MAX_CHECK_EVERY_MS, Math.max(1, Math.floor(timeoutMs / 10)));
    // Unref'd: the watchdog alone must never keep a finished process alive.
    this.#timer = setInterval(() => this.check(), every).unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** A batch completed; one that took records is progress for the records buffered meanwhile. */
  batchDone(records: number): void {
    if (records > 0 && this.#bufferedSince !== undefined) this.#bufferedSince = this.#now();
  }

  /** One look at what waits; fires `onStall` when it has waited for the timeout. */
  check(): void {
    const { timeoutMs, probe, onStall } = this.#options;
    if (timeoutMs === 0 || this.#fired) return;
    const now = this.#now();
    const state = probe();
    const calls = state.inFlight?.calls;
    if (calls !== undefined && this.#calls !== undefined && calls !== this.#calls) {
      this.#callsAt = now;
      // A settled call is progress for the records buffered meanwhile too.
      if (this.#bufferedSince !== undefined) this.#bufferedSince = now;
    }
    this.#calls = calls ?? this.#calls;
    if (state.buffered === 0) this.#bufferedSince = undefined;
    else this.#bufferedSince ??= now;
    const waitedMs = Math.max(
      state.inFlight ? now - Math.max(state.inFlight.startedAt, this.#callsAt) : 0,
      this.#bufferedSince === undefined ? 0 : now - this.#bufferedSince,
    );
    if (waitedMs < timeoutMs) return;
    this.#fired = true;
    this.stop();
    onStall({ ...state, timeoutMs, waitedMs });
  }
}

/** The error a stall exits with: the timeout's variable, and what was waiting. */
export function stallError(stall: Stall): SluiceError {
  const { inFlight, buffered, timeoutMs } = stall;
  const waiting = [
    ...(inFlight
      ? [`batch ${inFlight.batchId} (${inFlight.records} records) is still in flight, ${inFlight.step}`]
      : []),
    `${buffered} records are buffered in the source`,
  ].join('; ');
  return new SluiceError(
    ErrorCode.stalled,
    `no batch completed for ${timeoutMs} ms (SLUICE_STALL_TIMEOUT_MS) while data was waiting: ${waiting}; exiting so that the process is restarted`,
  );
}
