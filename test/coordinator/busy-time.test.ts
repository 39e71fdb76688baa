import { describe, expect, it } from 'vitest';
import { BusyTime } from '../../src/coordinator/busy-time.ts';

/** A task that settles when the test says so. */
function gate(): { task: () => Promise<void>; open: () => void } {
  let open = (): void => {};
  const done = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { task: () => done, open };
}

describe('BusyTime', () => {
  it('is 0 seconds and a 0 share at the start, never NaN', () => {
    const clock = { now: 5_000 };
    const busy = new BusyTime(() => clock.now);
    expect(busy.seconds()).toBe(0);
    expect(busy.share()).toBe(0);
  });

  it('counts the time from a task handed to an idle slot until it has none, overlapping tasks once', async () => {
    const clock = { now: 0 };
    const busy = new BusyTime(() => clock.now);
    const first = gate();
    const second = gate();
    clock.now = 1_000;
    const running = busy.during(first.task);
    clock.now = 1_500;
    const queued = busy.during(second.task);
    // The work under way counts at once.
    clock.now = 2_000;
    expect(busy.seconds()).toBe(1);
    first.open();
    await running;
    clock.now = 3_000;
    expect(busy.seconds()).toBe(2);
    second.open();
    await queued;
    clock.now = 10_000;
    expect(busy.seconds()).toBe(2);
    expect(busy.share()).toBe(0.2);
  });

  it('never decreases, and stays within the time since the start, also when a task fails', async () => {
    const clock = { now: 0 };
    const busy = new BusyTime(() => clock.now);
    const readings: number[] = [];
    for (let round = 0; round < 5; round++) {
      const work = gate();
      const running = busy.during(async () => {
        await work.task();
        if (round % 2 === 1) throw new Error('the slot failed');
      });
      clock.now += 300;
      readings.push(busy.seconds());
      work.open();
      await running.catch(() => {});
      readings.push(busy.seconds());
      clock.now += 200;
      readings.push(busy.seconds());
    }
    expect(readings).toEqual(readings.toSorted((a, b) => a - b));
    expect(busy.seconds()).toBe(1.5);
    expect(busy.seconds()).toBeLessThanOrEqual(clock.now / 1000);
    expect(busy.share()).toBe(0.6);
  });
});
