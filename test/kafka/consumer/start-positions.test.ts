import { describe, expect, it } from 'vitest';
import { startOffset } from '../../../src/kafka/consumer/start-positions.ts';

const marks = { low: 10n, high: 100n };

describe('startOffset', () => {
  it('starts a restored partition at its checkpoint', () => {
    expect(startOffset(50n, 40n, marks, true, false)).toBe(50n);
    expect(startOffset(50n, undefined, marks, false, true)).toBe(50n);
  });

  it('goes on from the group commit', () => {
    expect(startOffset(undefined, 40n, marks, false, false)).toBe(40n);
    expect(startOffset(undefined, 40n, marks, false, true)).toBe(40n);
  });

  it('starts as configured on a first assignment (explicit), over a commit', () => {
    expect(startOffset(undefined, 40n, marks, true, false)).toBe(10n);
    expect(startOffset(undefined, 40n, marks, true, true)).toBe(100n);
  });

  it('starts as configured without a commit', () => {
    expect(startOffset(undefined, undefined, marks, false, false)).toBe(10n);
    expect(startOffset(undefined, undefined, marks, false, true)).toBe(100n);
  });

  it('never starts before the log start', () => {
    expect(startOffset(undefined, 5n, marks, false, false)).toBe(10n);
    expect(startOffset(3n, 5n, marks, false, false)).toBe(10n);
  });

  it('reads a table topic from the log start unless a checkpoint restores it, whatever the commit or setting', () => {
    expect(startOffset(undefined, 40n, marks, false, false, true)).toBe(10n);
    expect(startOffset(undefined, 40n, marks, true, true, true)).toBe(10n);
    expect(startOffset(undefined, undefined, marks, false, true, true)).toBe(10n);
    expect(startOffset(50n, 40n, marks, false, true, true)).toBe(50n);
    expect(startOffset(3n, 40n, marks, false, false, true)).toBe(10n);
  });
});
