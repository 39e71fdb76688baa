import { describe, expect, it } from 'vitest';
import { startOffset } from '../../../src/kafka/consumer/start-positions.ts';

const marks = { low: 10n, high: 100n };

describe('startOffset', () => {
  it('starts a restored partition at its checkpoint, seeking there', () => {
    expect(startOffset(50n, 40n, marks, true, false)).toEqual({ offset: 50n, seek: true });
    expect(startOffset(50n, undefined, marks, false, true)).toEqual({ offset: 50n, seek: true });
  });

  it('goes on from the group commit where kafkajs starts by itself', () => {
    expect(startOffset(undefined, 40n, marks, false, false)).toEqual({ offset: 40n, seek: false });
    expect(startOffset(undefined, 40n, marks, false, true)).toEqual({ offset: 40n, seek: false });
  });

  it('starts as configured on a first assignment (explicit), over a commit', () => {
    expect(startOffset(undefined, 40n, marks, true, false)).toEqual({ offset: 10n, seek: true });
    expect(startOffset(undefined, 40n, marks, true, true)).toEqual({ offset: 100n, seek: true });
  });

  it('starts as configured without a commit', () => {
    expect(startOffset(undefined, undefined, marks, false, false)).toEqual({ offset: 10n, seek: true });
    expect(startOffset(undefined, undefined, marks, false, true)).toEqual({ offset: 100n, seek: true });
  });

  it('never starts before the log start', () => {
    expect(startOffset(undefined, 5n, marks, false, false)).toEqual({ offset: 10n, seek: false });
    expect(startOffset(3n, 5n, marks, false, false)).toEqual({ offset: 10n, seek: true });
  });
});
