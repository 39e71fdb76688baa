import { describe, expect, it } from 'vitest';
import { type RetryOptions, retry } from '../../src/core/index.ts';

/** A clock that only the injected sleep moves, and the waits it was asked for. */
function fakeTime() {
  let clock = 1_000;
  const waits: number[] = [];
  return {
    waits,
    now: () => clock,
    sleep: async (ms: number) => {
      waits.push(ms);
      clock += ms;
    },
    advance: (ms: number) => {
      clock += ms;
    },
  };
}

/** A call that fails `failures` times with `Error('down n')`, then returns 'done'. */
function flaky(failures: number) {
  const attempts: number[] = [];
  const call = async ({ attempt }: { attempt: number }) => {
    attempts.push(attempt);
    if (attempt <= failures) throw new Error(`down ${attempt}`);
    return 'done';
  };
  return { attempts, call };
}

/** What `promise` rejected with; fails the test if it resolved. */
async function failure(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => expect.fail('resolved'),
    (error: unknown) => error as Error,
  );
}

const base = (time: ReturnType<typeof fakeTime>): RetryOptions => ({
  budgetMs: 60_000,
  firstDelayMs: 100,
  maxDelayMs: 1_000,
  now: time.now,
  sleep: time.sleep,
});

describe('retry', () => {
  it('waits twice as long after each failure, up to the cap, and returns the result', async () => {
    const time = fakeTime();
    const { attempts, call } = flaky(6);
    const told: object[] = [];
    const result = await retry(call, {
      ...base(time),
      onRetry: (error, failure) => told.push({ error: (error as Error).message, ...failure }),
    });
    expect(result).toBe('done');
    expect(attempts).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(time.waits).toEqual([100, 200, 400, 800, 1_000, 1_000]);
    expect(told).toEqual([
      { error: 'down 1', attempt: 1, elapsedMs: 0, delayMs: 100 },
      { error: 'down 2', attempt: 2, elapsedMs: 100, delayMs: 200 },
      { error: 'down 3', attempt: 3, elapsedMs: 300, delayMs: 400 },
      { error: 'down 4', attempt: 4, elapsedMs: 700, delayMs: 800 },
      { error: 'down 5', attempt: 5, elapsedMs: 1_500, delayMs: 1_000 },
      { error: 'down 6', attempt: 6, elapsedMs: 2_500, delayMs: 1_000 },
    ]);
  });

  it('tells each attempt its number and when the first started', async () => {
    const time = fakeTime();
    const seen: object[] = [];
    await retry(async (attempt) => {
      seen.push(attempt);
      if (attempt.attempt < 3) throw new Error('down');
    }, base(time));
    expect(seen).toEqual([
      { attempt: 1, startedAt: 1_000 },
      { attempt: 2, startedAt: 1_000 },
      { attempt: 3, startedAt: 1_000 },
    ]);
  });

  it('gives up when the next wait would pass the budget, with the error giveUp makes', async () => {
    const time = fakeTime();
    const { attempts, call } = flaky(100);
    const error = await failure(
      retry(call, {
        ...base(time),
        budgetMs: 700,
        giveUp: (cause, { attempt, elapsedMs }) =>
          new Error(`gave up after ${attempt} (${elapsedMs} ms)`, { cause }),
      }),
    );
    // 100 + 200 + 400 = 700 fits; 700 + 800 does not.
    expect(time.waits).toEqual([100, 200, 400]);
    expect(attempts).toEqual([1, 2, 3, 4]);
    expect(error.message).toBe('gave up after 4 (700 ms)');
    expect((error.cause as Error).message).toBe('down 4');
  });

  it('counts the time the attempts take against the budget', async () => {
    const time = fakeTime();
    const attempts: number[] = [];
    const error = await failure(
      retry(
        async ({ attempt }) => {
          attempts.push(attempt);
          time.advance(250);
          throw new Error(`slow ${attempt}`);
        },
        { ...base(time), budgetMs: 1_000 },
      ),
    );
    // Failed at 250 (+100 fits), at 600 (+200 fits), at 1050: over.
    expect(attempts).toEqual([1, 2, 3]);
    expect(error.message).toBe('slow 3');
  });

  it('with a budget of 0 makes one attempt', async () => {
    const time = fakeTime();
    const { attempts, call } = flaky(1);
    await expect(retry(call, { ...base(time), budgetMs: 0 })).rejects.toThrow('down 1');
    expect(attempts).toEqual([1]);
    expect(time.waits).toEqual([]);
  });

  it('stops after `attempts` attempts', async () => {
    const time = fakeTime();
    const { attempts, call } = flaky(100);
    await expect(retry(call, { ...base(time), attempts: 3 })).rejects.toThrow('down 3');
    expect(attempts).toEqual([1, 2, 3]);
    expect(time.waits).toEqual([100, 200]);
  });

  it('throws an error that is not retryable at once, as it is, and giveUp is not asked', async () => {
    const time = fakeTime();
    const refused = new Error('not authorized');
    let calls = 0;
    let gaveUp = false;
    await expect(
      retry(
        async () => {
          calls++;
          throw refused;
        },
        {
          ...base(time),
          retryable: (error) => error !== refused,
          giveUp: () => {
            gaveUp = true;
            return new Error('wrapped');
          },
        },
      ),
    ).rejects.toBe(refused);
    expect({ calls, gaveUp, waits: time.waits }).toEqual({ calls: 1, gaveUp: false, waits: [] });
  });

  it('an aborted signal makes the failure at hand the last', async () => {
    const time = fakeTime();
    const controller = new AbortController();
    const { attempts, call } = flaky(100);
    const sleep = async (ms: number, signal?: AbortSignal) => {
      expect(signal).toBe(controller.signal);
      await time.sleep(ms);
      if (time.waits.length === 2) controller.abort();
    };
    await expect(retry(call, { ...base(time), sleep, signal: controller.signal })).rejects.toThrow('down 3');
    // Aborted during the second wait: one more attempt, then no wait.
    expect(attempts).toEqual([1, 2, 3]);
    expect(time.waits).toEqual([100, 200]);
  });

  it('the real sleep ends early when the signal aborts', async () => {
    const controller = new AbortController();
    const { attempts, call } = flaky(100);
    const failing = retry(call, {
      budgetMs: 7_200_000,
      firstDelayMs: 3_600_000,
      maxDelayMs: 3_600_000,
      signal: controller.signal,
      onRetry: () => controller.abort(),
    });
    await expect(failing).rejects.toThrow('down 2');
    expect(attempts).toEqual([1, 2]);
  });

  it('jitter takes up to its fraction off each wait', async () => {
    const time = fakeTime();
    const { call } = flaky(3);
    const draws = [0, 0.5, 0.999];
    await retry(call, { ...base(time), jitter: 0.5, random: () => draws.shift() ?? 0 });
    expect(time.waits).toEqual([100, 150, 200]);
  });
});
