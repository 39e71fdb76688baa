import { describe, expect, it } from 'vitest';
import { BusyShare } from '../../src/admin/busy-share.ts';

describe('BusyShare', () => {
  it("gives each slot's busy share of the interval between the last two readings, not since the start", () => {
    const busy = new BusyShare();
    busy.sample(10_000, [0, 0]);
    expect(busy.shares()).toEqual([]);
    // 1 s: slot 0 busy 0.25 s, slot 1 busy 1 s.
    busy.sample(11_000, [0.25, 1]);
    expect(busy.shares()).toEqual([0.25, 1]);
    // The next 2 s: slot 0 busy 1 s, slot 1 idle; since the start slot 1 would read 1/3.
    busy.sample(13_000, [1.25, 1]);
    expect(busy.shares()).toEqual([0.5, 0]);
  });

  it('ignores a reading at the same time, clamps to [0, 1], and counts a new slot from 0', () => {
    const busy = new BusyShare();
    busy.sample(1000, [1]);
    busy.sample(1000, [5]);
    expect(busy.shares()).toEqual([]);
    busy.sample(2000, [1.5, 3]);
    expect(busy.shares()).toEqual([0.5, 1]);
    // A restarted slot's counter going back reads 0, not a negative share.
    busy.sample(3000, [0, 3.5]);
    expect(busy.shares()).toEqual([0, 0.5]);
  });
});
