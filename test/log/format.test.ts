import { describe, expect, it } from 'vitest';
import { logFormat } from '../../src/log/index.ts';

describe('logFormat', () => {
  it('is pretty on a terminal outside production', () => {
    expect(logFormat(true, undefined)).toBe('pretty');
    expect(logFormat(true, 'development')).toBe('pretty');
    expect(logFormat(true, 'test')).toBe('pretty');
  });

  it('is JSON in production, even on a terminal', () => {
    expect(logFormat(true, 'production')).toBe('json');
  });

  it('is JSON when stderr is a pipe or a file, whatever NODE_ENV says', () => {
    for (const nodeEnv of [undefined, 'development', 'production']) {
      expect(logFormat(false, nodeEnv)).toBe('json');
      expect(logFormat(undefined, nodeEnv)).toBe('json');
    }
  });
});
