import { describe, expect, it } from 'vitest';
import { isSluiceError } from '../../src/errors/index.ts';
import { BatchView } from '../../src/task/batch-view.ts';
import { encodeBatch } from '../../src/task/batch-writer.ts';
import { message } from '../support/batch-messages.ts';

describe('BatchView on a corrupt buffer', () => {
  // topic "t", two records: key "k" + value "v1", then null key + value "v2"; 64 + 64 + 6 bytes.
  function sample(): { buffer: SharedArrayBuffer; byteLength: number } {
    const encoded = encodeBatch({
      topic: 't',
      partition: 1,
      messages: [message('5', 'v1', 'k'), message('6', 'v2')],
    });
    expect(encoded.byteLength).toBe(134);
    return encoded;
  }

  function decodeError(buffer: ArrayBufferLike, byteLength: number): string {
    try {
      new BatchView(buffer as SharedArrayBuffer, byteLength);
    } catch (error) {
      expect(isSluiceError(error, 'SLUICE_DECODE')).toBe(true);
      return (error as Error).message;
    }
    throw new Error('expected a SluiceError');
  }

  function withWord(index: number, value: number): SharedArrayBuffer {
    const { buffer } = sample();
    new Int32Array(buffer, 0, 32)[index] = value;
    return buffer;
  }

  it('reads the intact sample', () => {
    const { buffer, byteLength } = sample();
    const view = new BatchView(buffer, byteLength);
    expect([view.valueString(0), view.valueString(1), view.offset(1)]).toEqual(['v1', 'v2', 6n]);
  });

  it('bad magic', () => {
    expect(decodeError(withWord(0, 0x12345678), 134)).toBe('batch magic is 0x12345678; expected 0x534c5543');
    expect(decodeError(new SharedArrayBuffer(64), 64)).toBe('batch magic is 0x00000000; expected 0x534c5543');
  });

  it('bad version', () => {
    expect(decodeError(withWord(1, 2), 134)).toBe('batch version is 2; this reader supports version 1');
  });

  it('bad offset encoding', () => {
    expect(decodeError(withWord(3, 7), 134)).toBe(
      'batch offset encoding is 7; expected 1 (int32 delta) or 2 (int64)',
    );
  });

  it('byteLength shorter than the header or longer than the buffer', () => {
    const { buffer } = sample();
    expect(decodeError(buffer, 63)).toBe('batch byteLength 63 is shorter than the 64-byte header');
    expect(decodeError(buffer, 100.5)).toBe('batch byteLength 100.5 is shorter than the 64-byte header');
    expect(decodeError(buffer, 135)).toBe('batch byteLength 135 exceeds its buffer of 134 bytes');
  });

  it('truncated byteLength', () => {
    const { buffer } = sample();
    expect(decodeError(buffer, 133)).toBe('batch keys and values end at 134, past byteLength 133');
    expect(decodeError(buffer, 100)).toBe(
      'batch of 2 records needs 128 bytes before its keys and values; byteLength is 100',
    );
  });

  it('a count that does not fit', () => {
    expect(decodeError(withWord(2, 1_000_000), 134)).toBe(
      'batch of 1000000 records needs 32000064 bytes before its keys and values; byteLength is 134',
    );
  });

  it('section positions that do not match the count', () => {
    expect(decodeError(withWord(2, 1), 134)).toBe(
      'batch section timestamps starts at 80; a batch of 1 records puts it at 72',
    );
    expect(decodeError(withWord(14, 120), 134)).toBe(
      'batch section bytes starts at 120; a batch of 2 records puts it at 128',
    );
  });

  it('keys and values longer than the batch', () => {
    expect(decodeError(withWord(15, 7), 134)).toBe('batch keys and values end at 135, past byteLength 134');
  });

  it('a topic name longer than the keys and values', () => {
    expect(decodeError(withWord(7, 9), 134)).toBe(
      'batch topic name of 9 bytes overruns the 6 bytes of keys and values',
    );
  });

  // Record arrays of the sample: keyStart at word 24, keyLength 26, valueStart 28, valueLength 30.
  it('a value pointing past the keys and values', () => {
    expect(decodeError(withWord(31, 3), 134)).toBe(
      'record 1 value (start 4, length 3) lies outside the 6 bytes of keys and values',
    );
    expect(decodeError(withWord(28, -2), 134)).toBe(
      'record 0 value (start -2, length 2) lies outside the 6 bytes of keys and values',
    );
  });

  it('a key pointing past the keys and values', () => {
    expect(decodeError(withWord(24, 6), 134)).toBe(
      'record 0 key (start 6, length 1) lies outside the 6 bytes of keys and values',
    );
  });

  it('a length below -1', () => {
    expect(decodeError(withWord(27, -5), 134)).toBe('record 1 key length is -5; expected -1 (null) or >= 0');
    expect(decodeError(withWord(30, -2), 134)).toBe(
      'record 0 value length is -2; expected -1 (null) or >= 0',
    );
  });
});
