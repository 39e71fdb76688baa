import { describe, expect, it } from 'vitest';
import { shareBudget, UNLIMITED } from '../../src/backpressure/index.ts';

describe('shareBudget', () => {
  it('without limits gives every partition with a backlog all of it, none to the others', () => {
    expect(shareBudget([10, 0, 3], UNLIMITED)).toEqual([
      Number.POSITIVE_INFINITY,
      0,
      Number.POSITIVE_INFINITY,
    ]);
  });

  it('shares the rate by backlog, rounding down', () => {
    expect(shareBudget([300, 100, 0], { total: 1000, perPartition: undefined })).toEqual([750, 250, 0]);
    expect(shareBudget([1, 2], { total: 10, perPartition: undefined })).toEqual([3, 6]);
  });

  it('caps each partition at the per-partition limit, with or without a rate', () => {
    expect(shareBudget([300, 100], { total: 1000, perPartition: 400 })).toEqual([400, 250]);
    expect(shareBudget([300, 100], { total: undefined, perPartition: 50.9 })).toEqual([50, 50]);
  });

  it('gives at least one record to a partition with a backlog, so that none starves', () => {
    expect(shareBudget([1_000_000, 1], { total: 100, perPartition: undefined })).toEqual([99, 1]);
    expect(shareBudget([5, 5], { total: 0.5, perPartition: undefined })).toEqual([1, 1]);
  });

  it('shares equally among endless backlogs (a generator without a rate)', () => {
    const endless = Number.POSITIVE_INFINITY;
    expect(
      shareBudget([endless, endless, endless, endless], { total: 1000, perPartition: undefined }),
    ).toEqual([250, 250, 250, 250]);
  });
});
