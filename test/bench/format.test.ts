import { describe, expect, it } from 'vitest';
import { formatMs, formatNumber } from '../../src/bench/format.ts';

describe('formatNumber', () => {
  it('groups thousands with commas and drops trailing zeros, whatever the locale', () => {
    expect(formatNumber(1_234_567.89)).toBe('1,234,568');
    expect(formatNumber(1_234.56, 1)).toBe('1,234.6');
    expect(formatNumber(12.5, 2)).toBe('12.5');
    expect(formatNumber(999.96, 1)).toBe('1,000');
    expect(formatNumber(-1_500.25, 1)).toBe('-1,500.3');
    expect(formatNumber(-0.01, 1)).toBe('0');
    expect(formatNumber(Number.NaN)).toBe('–');
    expect(formatNumber(Number.POSITIVE_INFINITY)).toBe('–');
  });
});

describe('formatMs', () => {
  it('prints up to one decimal, and a positive time too small for it as <0.1', () => {
    expect(formatMs(12.34)).toBe('12.3');
    expect(formatMs(1_050)).toBe('1,050');
    expect(formatMs(0.04)).toBe('<0.1');
    expect(formatMs(0)).toBe('0');
  });
});
