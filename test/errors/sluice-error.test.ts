import { describe, expect, it } from 'vitest';
import { ErrorCode, isSluiceError, SluiceError } from '../../src/errors/index.ts';

describe('SluiceError', () => {
  it('carries a stable code, the message and the cause', () => {
    const cause = new RangeError('bad');
    const error = new SluiceError(ErrorCode.configInvalid, 'SLUICE_WORKERS must be >= 1; got "0"', { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('SluiceError');
    expect(error.code).toBe('SLUICE_CONFIG_INVALID');
    expect(error.message).toBe('SLUICE_WORKERS must be >= 1; got "0"');
    expect(error.cause).toBe(cause);
  });

  it('is recognised by isSluiceError, optionally by code', () => {
    const error = new SluiceError(ErrorCode.decode, 'x');
    expect(isSluiceError(error)).toBe(true);
    expect(isSluiceError(error, 'SLUICE_DECODE')).toBe(true);
    expect(isSluiceError(error, 'SLUICE_CONFIG_INVALID')).toBe(false);
    expect(isSluiceError(new Error('x'))).toBe(false);
    expect(isSluiceError('SLUICE_DECODE')).toBe(false);
  });

  it('has codes that all start with SLUICE_ and are unique', () => {
    const codes = Object.values(ErrorCode);
    expect(codes.every((code) => code.startsWith('SLUICE_'))).toBe(true);
    expect(new Set(codes).size).toBe(codes.length);
  });
});
