import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REDACTED, redact, redactText, Secret } from '../../src/config/index.ts';

describe('Secret', () => {
  it('shows as [redacted] everywhere but reveal()', () => {
    const secret = new Secret('s3cret-value-1');
    expect(secret.reveal()).toBe('s3cret-value-1');
    expect([String(secret), `${secret}`, JSON.stringify({ secret }), inspect({ secret })]).toEqual([
      REDACTED,
      REDACTED,
      '{"secret":"[redacted]"}',
      '{ secret: [redacted] }',
    ]);
  });
});

describe('redact', () => {
  it('replaces Secrets and secret-named fields, deeply, and keeps the rest', () => {
    const input = {
      sasl: { mechanism: 'plain', username: 'app', password: 'plain-text-pw' },
      ssl: { ca: ['PEM'], key: 'PRIVATE', passphrase: 'phrase' },
      token: undefined,
      list: [new Secret('in-a-list-99'), 3, null],
      nested: { apiSecret: 'x', count: 2 },
    };
    expect(redact(input)).toStrictEqual({
      sasl: { mechanism: 'plain', username: 'app', password: REDACTED },
      ssl: { ca: ['PEM'], key: REDACTED, passphrase: REDACTED },
      token: undefined,
      list: [REDACTED, 3, null],
      nested: { apiSecret: REDACTED, count: 2 },
    });
    expect(input.sasl.password).toBe('plain-text-pw');
  });

  it('cuts loaded secrets out of strings and error messages, and survives cycles', () => {
    new Secret('loaded-pw-3141');
    const cycle: Record<string, unknown> = { message: 'auth with loaded-pw-3141 failed' };
    cycle.self = cycle;
    expect(redact(cycle)).toStrictEqual({ message: 'auth with [redacted] failed', self: '[circular]' });
    expect(redact(new Error('bad loaded-pw-3141'))).toStrictEqual({
      name: 'Error',
      message: 'bad [redacted]',
    });
  });
});

describe('redactText', () => {
  it('replaces every occurrence of every loaded secret of four characters or more', () => {
    new Secret('first-secret');
    new Secret('abc');
    expect(redactText('first-secret, abc, first-secret')).toBe('[redacted], abc, [redacted]');
    expect(redactText('nothing here')).toBe('nothing here');
  });
});
