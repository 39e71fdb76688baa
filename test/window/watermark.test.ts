import { describe, expect, it } from 'vitest';
import { WatermarkTracker } from '../../src/window/index.ts';

const NODE = 1;
const tracker = (lateness: [number, number][] = [[NODE, 0]], idleTimeoutMs = Number.POSITIVE_INFINITY) =>
  new WatermarkTracker(new Map(lateness), idleTimeoutMs);

describe('WatermarkTracker', () => {
  it('is -Infinity before any data', () => {
    const wm = tracker();
    expect(wm.current).toBe(Number.NEGATIVE_INFINITY);
    expect(wm.advance(0)).toBe(Number.NEGATIVE_INFINITY);
    wm.own('t-0', 0);
    expect(wm.advance(1000)).toBe(Number.NEGATIVE_INFINITY);
  });

  it('a partition’s watermark is its largest event time minus the allowed lateness', () => {
    const wm = tracker([[NODE, 1500]]);
    wm.observe('t-0', [[NODE, 5000]], 0);
    wm.observe('t-0', [[NODE, 4000]], 1000);
    expect(wm.advance(1000)).toBe(3500);
    expect(wm.current).toBe(3500);
  });

  it("lists each owned partition's own watermark and whether it is idle (the dashboard's partitions)", () => {
    const wm = tracker([[NODE, 1000]], 5000);
    wm.observe('t-0', [[NODE, 9000]], 0);
    wm.observe('t-1', [[NODE, 4000]], 3000);
    wm.own('t-2', 3000);
    expect(wm.partitions(6000)).toEqual([
      { id: 't-0', watermark: 8000, idle: true },
      { id: 't-1', watermark: 3000, idle: false },
      { id: 't-2', watermark: Number.NEGATIVE_INFINITY, idle: false },
    ]);
  });

  it('a node without a lateness entry has none', () => {
    const wm = tracker([]);
    wm.observe('t-0', [[7, 5000]], 0);
    expect(wm.advance(0)).toBe(5000);
  });

  it('the engine’s watermark is the least over the partitions', () => {
    const wm = tracker();
    wm.observe('t-0', [[NODE, 5000]], 0);
    wm.observe('t-1', [[NODE, 3000]], 0);
    wm.observe('t-2', [[NODE, 9000]], 0);
    expect(wm.advance(0)).toBe(3000);
  });

  it('with several watermark nodes a partition takes the least of them', () => {
    const wm = tracker([
      [1, 0],
      [2, 2000],
    ]);
    wm.observe(
      't-0',
      [
        [1, 5000],
        [2, 5000],
      ],
      0,
    );
    expect(wm.advance(0)).toBe(3000);
    wm.observe('t-0', [[2, 9000]], 1000);
    expect(wm.advance(1000)).toBe(5000);
  });

  it('never goes back', () => {
    const wm = tracker();
    wm.observe('t-0', [[NODE, 5000]], 0);
    expect(wm.advance(0)).toBe(5000);
    // A partition behind the watermark joins: the watermark stays.
    wm.observe('t-1', [[NODE, 1000]], 1000);
    expect(wm.advance(1000)).toBe(5000);
    wm.observe('t-1', [[NODE, 7000]], 2000);
    expect(wm.advance(2000)).toBe(5000);
    wm.observe('t-0', [[NODE, 6000]], 3000);
    expect(wm.advance(3000)).toBe(6000);
  });

  it('an idle partition stops holding the watermark back after idleTimeoutMs of batch time', () => {
    const wm = tracker([[NODE, 0]], 10_000);
    wm.observe('t-0', [[NODE, 2000]], 0);
    wm.observe('t-1', [[NODE, 8000]], 0);
    expect(wm.advance(0)).toBe(2000);
    // Batches without records of t-0 do not make it active again.
    for (const time of [4000, 8000, 9999]) {
      wm.observe('t-0', [], time);
      wm.observe('t-1', [[NODE, 8000 + time]], time);
      expect(wm.advance(time)).toBe(2000);
    }
    wm.observe('t-1', [[NODE, 20_000]], 10_000);
    expect(wm.advance(10_000)).toBe(20_000);
  });

  it('when every partition is idle the most advanced leads', () => {
    const wm = tracker([[NODE, 0]], 10_000);
    wm.observe('t-0', [[NODE, 2000]], 0);
    wm.observe('t-1', [[NODE, 8000]], 0);
    wm.observe('t-2', [[NODE, 5000]], 0);
    expect(wm.advance(9999)).toBe(2000);
    expect(wm.advance(10_000)).toBe(8000);
  });

  it('a partition that brings records again holds the watermark back from then on', () => {
    const wm = tracker([[NODE, 0]], 10_000);
    wm.observe('t-0', [[NODE, 2000]], 0);
    wm.observe('t-1', [[NODE, 8000]], 10_000);
    expect(wm.advance(10_000)).toBe(8000);
    wm.observe('t-0', [[NODE, 9000]], 11_000);
    wm.observe('t-1', [[NODE, 12_000]], 11_000);
    expect(wm.advance(11_000)).toBe(9000);
  });

  it('a newly owned partition without data holds the watermark back until it is idle', () => {
    const wm = tracker([[NODE, 0]], 10_000);
    wm.observe('t-0', [[NODE, 5000]], 0);
    expect(wm.advance(0)).toBe(5000);
    wm.own('t-1', 1000);
    // Owning it again does not restart its idle clock.
    wm.own('t-1', 6000);
    for (const time of [1000, 5000, 10_999]) {
      wm.observe('t-0', [[NODE, 5000 + time]], time);
      expect(wm.advance(time)).toBe(5000);
    }
    wm.observe('t-0', [[NODE, 20_000]], 11_000);
    expect(wm.advance(11_000)).toBe(20_000);
    expect(wm.owned()).toEqual(['t-0', 't-1']);
  });

  it('with idleTimeoutMs Infinity an empty partition holds back for ever', () => {
    const wm = tracker();
    wm.own('t-1', 0);
    wm.observe('t-0', [[NODE, 5000]], 0);
    expect(wm.advance(1e15)).toBe(Number.NEGATIVE_INFINITY);
  });

  it('forget drops a partition: it no longer holds the watermark back', () => {
    const wm = tracker();
    wm.observe('t-0', [[NODE, 5000]], 0);
    wm.observe('t-1', [[NODE, 1000]], 0);
    expect(wm.advance(0)).toBe(1000);
    wm.forget('t-1');
    expect(wm.owned()).toEqual(['t-0']);
    expect(wm.advance(1000)).toBe(5000);
    // Owned again later, it starts afresh: no data, so it holds back.
    wm.own('t-1', 2000);
    wm.observe('t-0', [[NODE, 7000]], 2000);
    expect(wm.advance(2000)).toBe(5000);
  });
});
