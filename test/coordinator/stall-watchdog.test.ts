import { afterEach, describe, expect, it, vi } from 'vitest';
import type { BatchInFlight } from '../../src/coordinator/engine.ts';
import {
  type Stall,
  type StallProbe,
  StallWatchdog,
  stallError,
} from '../../src/coordinator/stall-watchdog.ts';
import { isSluiceError } from '../../src/errors/index.ts';

const TIMEOUT = 3_000;

/** A watchdog on a hand-moved clock and a probe the test sets; `stalls` collects what it fired. */
function harness(timeoutMs = TIMEOUT) {
  const clock = { now: 1_000_000 };
  let state: StallProbe = { inFlight: undefined, buffered: 0 };
  const stalls: Stall[] = [];
  const watchdog = new StallWatchdog({
    timeoutMs,
    probe: () => state,
    onStall: (stall) => stalls.push(stall),
    now: () => clock.now,
  });
  return {
    watchdog,
    stalls,
    set(next: Partial<StallProbe>) {
      state = { ...state, ...next };
    },
    /** Moves the clock by `ms` and checks. */
    at(ms: number) {
      clock.now += ms;
      watchdog.check();
    },
    batch(batchId: number, records: number, step: BatchInFlight['step'] = 'writing outputs'): BatchInFlight {
      return { batchId, records, startedAt: clock.now, step };
    },
  };
}

describe('StallWatchdog', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('fires once a batch has been in flight for the timeout, with what was waiting', () => {
    const h = harness();
    const inFlight = h.batch(7, 20);
    h.set({ inFlight, buffered: 3 });
    h.at(TIMEOUT - 1);
    expect(h.stalls).toEqual([]);
    h.at(1);
    expect(h.stalls).toEqual([{ inFlight, buffered: 3, timeoutMs: TIMEOUT, waitedMs: TIMEOUT }]);
    h.at(TIMEOUT);
    expect(h.stalls).toHaveLength(1);
  });

  it('fires when records stay buffered for the timeout and no batch is in flight', () => {
    const h = harness();
    h.set({ buffered: 50 });
    h.at(0);
    h.at(TIMEOUT - 1);
    expect(h.stalls).toEqual([]);
    h.at(1);
    expect(h.stalls).toEqual([{ inFlight: undefined, buffered: 50, timeoutMs: TIMEOUT, waitedMs: TIMEOUT }]);
  });

  it('restarts the buffered clock when a batch that took records completes', () => {
    const h = harness();
    h.set({ buffered: 50 });
    h.at(0);
    h.at(TIMEOUT - 1);
    h.watchdog.batchDone(10);
    h.at(TIMEOUT - 1);
    expect(h.stalls).toEqual([]);
    h.at(1);
    expect(h.stalls.map((stall) => stall.waitedMs)).toEqual([TIMEOUT]);
  });

  it('does not count a batch without records as progress for buffered records', () => {
    const h = harness();
    h.set({ buffered: 5 });
    h.at(0);
    h.at(TIMEOUT / 2);
    h.watchdog.batchDone(0);
    h.at(TIMEOUT / 2);
    expect(h.stalls.map((stall) => stall.buffered)).toEqual([5]);
  });

  it('restarts the buffered clock when the buffer empties', () => {
    const h = harness();
    h.set({ buffered: 5 });
    h.at(0);
    h.at(TIMEOUT - 1);
    h.set({ buffered: 0 });
    h.at(1);
    h.set({ buffered: 8 });
    h.at(1);
    h.at(TIMEOUT - 1);
    expect(h.stalls).toEqual([]);
    h.at(1);
    expect(h.stalls.map((stall) => stall.buffered)).toEqual([8]);
  });

  it('never fires on an idle stream: short empty batches and nothing buffered, for ten timeouts', () => {
    const h = harness();
    for (let batch = 0; batch < 100; batch++) {
      h.set({ inFlight: h.batch(batch, 0, 'processing') });
      h.at(10);
      h.set({ inFlight: undefined });
      h.watchdog.batchDone(0);
      h.at(TIMEOUT / 10);
    }
    expect(h.stalls).toEqual([]);
  });

  it('takes a settled asynchronous call as progress: a batch of slow calls runs past the timeout, then fires once they stop settling', () => {
    const h = harness();
    const batch = h.batch(3, 500);
    h.set({ inFlight: { ...batch, calls: 10 }, buffered: 40 });
    for (let step = 1; step <= 5; step++) {
      h.at(TIMEOUT - 1);
      h.set({ inFlight: { ...batch, calls: 10 + step } });
    }
    // The check that sees 15 is the last progress: from it, one timeout.
    h.at(1);
    h.at(TIMEOUT - 1);
    expect(h.stalls).toEqual([]);
    h.at(1);
    expect(h.stalls).toEqual([
      { inFlight: { ...batch, calls: 15 }, buffered: 40, timeoutMs: TIMEOUT, waitedMs: TIMEOUT },
    ]);
  });

  it('is off with a timeout of 0', () => {
    vi.useFakeTimers();
    const h = harness(0);
    h.set({ inFlight: h.batch(1, 1), buffered: 1 });
    h.watchdog.start();
    expect(vi.getTimerCount()).toBe(0);
    h.at(24 * 3600 * 1000);
    expect(h.stalls).toEqual([]);
  });

  it('checks on its own once started, every tenth of the timeout, and stops after firing', () => {
    vi.useFakeTimers();
    const stalls: Stall[] = [];
    const startedAt = Date.now();
    const watchdog = new StallWatchdog({
      timeoutMs: TIMEOUT,
      probe: () => ({ inFlight: { batchId: 2, records: 4, startedAt, step: 'committing' }, buffered: 0 }),
      onStall: (stall) => stalls.push(stall),
    });
    watchdog.start();
    vi.advanceTimersByTime(TIMEOUT - 1);
    expect(stalls).toEqual([]);
    vi.advanceTimersByTime(TIMEOUT / 10);
    // Checks every 300 ms: the tenth, at 3000 ms, finds the batch in flight for the timeout.
    expect(stalls.map((stall) => stall.waitedMs)).toEqual([TIMEOUT]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('does not check once stopped', () => {
    vi.useFakeTimers();
    const stalls: Stall[] = [];
    const watchdog = new StallWatchdog({
      timeoutMs: TIMEOUT,
      probe: () => ({ inFlight: undefined, buffered: 9 }),
      onStall: (stall) => stalls.push(stall),
    });
    watchdog.start();
    watchdog.stop();
    vi.advanceTimersByTime(10 * TIMEOUT);
    expect(stalls).toEqual([]);
  });
});

describe('stallError', () => {
  it('names the variable, the batch in flight with its step, and the buffered records', () => {
    const error = stallError({
      inFlight: { batchId: 12, records: 40, startedAt: 0, step: 'writing outputs' },
      buffered: 7,
      timeoutMs: 3000,
      waitedMs: 3100,
    });
    expect(isSluiceError(error, 'SLUICE_STALLED')).toBe(true);
    expect(error.message).toBe(
      'no batch completed for 3000 ms (SLUICE_STALL_TIMEOUT_MS) while data was waiting: batch 12 (40 records) is still in flight, writing outputs; 7 records are buffered in the source; exiting so that the process is restarted',
    );
  });

  it('names only the buffered records when no batch is in flight', () => {
    const error = stallError({ inFlight: undefined, buffered: 250, timeoutMs: 60_000, waitedMs: 60_000 });
    expect(error.message).toBe(
      'no batch completed for 60000 ms (SLUICE_STALL_TIMEOUT_MS) while data was waiting: 250 records are buffered in the source; exiting so that the process is restarted',
    );
  });
});
