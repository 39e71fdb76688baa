import { describe, expect, it } from 'vitest';
import { batchIdParam } from '../../src/admin/query.ts';

const param = (query: string) => batchIdParam(new URLSearchParams(query));
const error = (query: string) => {
  const answer = param(query);
  if (typeof answer === 'number') throw new Error(`${query} was taken as ${answer}`);
  return { status: answer.status, body: JSON.parse(answer.body) };
};

describe('batchIdParam', () => {
  it('takes a decimal batch id from 0', () => {
    expect([param('id=0'), param('id=12'), param('id=007'), param('id=999999999999999')]).toEqual([
      0, 12, 7, 999_999_999_999_999,
    ]);
  });

  it('answers 400 naming the rule and a sample for anything else', () => {
    for (const [value, sample] of [
      ['__proto__', '"__proto__"'],
      ['-1', '"-1"'],
      ['1e300', '"1e300"'],
      ['0x10', '"0x10"'],
      ['1.5', '"1.5"'],
      ['', '""'],
      [' 1', '" 1"'],
      ['constructor', '"constructor"'],
      ['1234567890123456', '"1234567890123456"'],
    ] as const) {
      expect(error(`id=${encodeURIComponent(value)}`)).toEqual({
        status: 400,
        body: { error: `the batch id must be an integer from 0; got ${sample}` },
      });
    }
  });

  it('quotes at most 32 characters of a huge value', () => {
    const huge = '9'.repeat(100_000);
    expect(error(`id=${huge}`).body).toEqual({
      error: `the batch id must be an integer from 0; got "${'9'.repeat(32)}…"`,
    });
  });

  it('wants the id exactly once', () => {
    expect(error('')).toEqual({
      status: 400,
      body: { error: 'give one batch id as ?id=<integer from 0>; got 0' },
    });
    expect(error('id=1&id=2')).toEqual({
      status: 400,
      body: { error: 'give one batch id as ?id=<integer from 0>; got 2' },
    });
  });
});
