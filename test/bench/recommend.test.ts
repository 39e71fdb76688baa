import { describe, expect, it } from 'vitest';
import { recommend } from '../../src/bench/index.ts';
import { isSluiceError } from '../../src/errors/index.ts';
import { continuous, microBatch, microBatch1s, results, withoutRates } from './fixture.ts';

describe('recommend', () => {
  it('picks the highest produced rate among the points that kept the target and lost nothing', () => {
    // 75 % of `continuous` has p99 48 ms but fell behind: it does not count.
    expect(recommend(results, 50)).toEqual({
      config: continuous.config,
      point: continuous.rates?.[1],
      lines: [
        '# p99 12.3 ms at 124,950 events/s (50 % of capacity): continuous · 1 slot',
        'SLUICE_TRIGGER=continuous',
        'SLUICE_WORKERS=1',
      ],
    });
  });

  it('moves to a faster configuration as the target loosens, with its variables sorted by name', () => {
    expect(recommend(results, 200)).toEqual({
      config: microBatch.config,
      point: microBatch.rates?.[1],
      lines: [
        '# p99 180.3 ms at 204,800 events/s (50 % of capacity): micro-batch 100 ms · 2 slots',
        'SLUICE_BATCH_INTERVAL_MS=100',
        'SLUICE_TRIGGER=micro-batch',
        'SLUICE_WORKERS=2',
      ],
    });
    expect(recommend(results, 1300)).toMatchObject({
      config: microBatch1s.config,
      point: microBatch1s.rates?.[2],
    });
    expect(recommend(results, 1299.9)).toMatchObject({
      config: microBatch1s.config,
      point: microBatch1s.rates?.[1],
    });
  });

  it('never recommends the kafkajs reference, even where its p99 is the lowest', () => {
    expect(recommend(results, 4)).toEqual({
      reason:
        'No configuration kept p99 at or below 4 ms while processing every event: the lowest p99 seen was ' +
        '4.8 ms, by continuous · 1 slot at 25 % of capacity (62,480 events/s).',
    });
  });

  it('says where the lowest p99 was, and that it lost events when it did', () => {
    const lossy = { ...continuous, rates: continuous.rates?.slice(2) ?? [] };
    expect(recommend({ ...results, configs: [lossy, microBatch] }, 50)).toEqual({
      reason:
        'No configuration kept p99 at or below 50 ms while processing every event: the lowest p99 seen was ' +
        '48 ms, by continuous · 1 slot at 75 % of capacity (187,000 events/s), where it processed ' +
        '5,600,000 of 5,610,000 events.',
    });
  });

  it('says there are no latency figures when no configuration has rate points', () => {
    expect(recommend(withoutRates(results), 50)).toEqual({
      reason: 'No latency figures: no configuration has a rate point with a p99, so none meets p99 ≤ 50 ms.',
    });
  });

  it('quotes values for the shell, leaves out names that are not variables, and keeps the comment one line', () => {
    const odd = {
      ...continuous,
      config: {
        label: 'two\nlines',
        axes: {},
        env: { SLUICE_B: "it's a b", SLUICE_A: '', ['__proto__']: 'x', 'BAD NAME': '1', SLUICE_C: 'a,b:c/d' },
      },
    };
    expect(recommend({ ...results, configs: [odd] }, 20)).toMatchObject({
      lines: [
        '# p99 12.3 ms at 124,950 events/s (50 % of capacity): two lines',
        '# left out, not a variable name: "BAD NAME"',
        "SLUICE_A=''",
        "SLUICE_B='it'\\''s a b'",
        'SLUICE_C=a,b:c/d',
        '__proto__=x',
      ],
    });
  });

  it('says so when the configuration is all defaults', () => {
    const plain = { ...continuous, config: { ...continuous.config, env: {} } };
    expect(recommend({ ...results, configs: [plain] }, 20)).toMatchObject({
      lines: [
        '# p99 12.3 ms at 124,950 events/s (50 % of capacity): continuous · 1 slot',
        "# Sluice's defaults: nothing to set",
      ],
    });
  });

  it('rejects a target that is not a positive number of milliseconds', () => {
    for (const target of [0, -5, Number.NaN]) {
      expect(() => recommend(results, target)).toThrow(
        `the p99 target must be a positive number of ms; got ${target}`,
      );
    }
    const thrown = (() => {
      try {
        return recommend(results, 0);
      } catch (error) {
        return error;
      }
    })();
    expect(isSluiceError(thrown, 'SLUICE_USAGE')).toBe(true);
  });
});
