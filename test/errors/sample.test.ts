import { describe, expect, it } from 'vitest';
import { clipText, errorText, SAMPLE_CHARS, sampleValue } from '../../src/errors/index.ts';

/** `{"url":[[[…]]]}` nested `depth` deep, built without recursion. */
function deep(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = [value];
  return { url: value };
}

describe('sampleValue', () => {
  it('shows small values whole, as JSON', () => {
    expect(sampleValue({ url: '/a', n: [1, true, null], o: {} })).toBe(
      '{"url":"/a","n":[1,true,null],"o":{}}',
    );
    expect(sampleValue('text')).toBe('"text"');
    expect(sampleValue([])).toBe('[]');
  });

  it('shows what JSON cannot', () => {
    expect(sampleValue([undefined, Number.NaN, -Infinity, 12n])).toBe('[undefined,NaN,-Infinity,12n]');
    expect(sampleValue(new Uint8Array(5))).toBe('<Uint8Array 5 bytes>');
    expect(sampleValue(new Date(0))).toBe('1970-01-01T00:00:00.000Z');
  });

  it('cuts a value nested 20,000 deep at the bound, without overflowing the stack', () => {
    const value = deep(20_000);
    expect(() => JSON.stringify(value)).toThrow(RangeError);
    const text = sampleValue(value, 20);
    expect(text).toBe(`{"url":${'['.repeat(13)}…`);
  });

  it('cuts long strings, many keys and long arrays at the bound', () => {
    expect(sampleValue('x'.repeat(1_000_000))).toBe(`"${'x'.repeat(SAMPLE_CHARS - 1)}…`);
    const wide = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, i]));
    expect(sampleValue(wide, 16)).toBe('{"k0":0,"k1":1,"…');
    expect(
      sampleValue(
        Array.from({ length: 100_000 }, (_, i) => i),
        10,
      ),
    ).toBe('[0,1,2,3,4…');
    for (const value of [deep(20_000), wide, 'y'.repeat(5000)]) {
      expect(sampleValue(value).length).toBe(SAMPLE_CHARS + 1);
    }
  });

  it('reads own properties only', () => {
    const value = Object.create({ inherited: 1 }) as Record<string, unknown>;
    value.own = 2;
    expect(sampleValue(value)).toBe('{"own":2}');
  });

  it('terminates on a cycle and never throws', () => {
    const cycle: unknown[] = [];
    cycle.push(cycle);
    expect(sampleValue(cycle, 8)).toBe('[[[[[[[[…');
    const hostile = {
      get boom(): never {
        throw new Error('getter');
      },
    };
    expect(sampleValue(hostile)).toBe('<object that cannot be shown>');
  });
});

describe('clipText and errorText', () => {
  it('keep short text, cut long text and say how long it was', () => {
    expect(clipText('short', 10)).toBe('short');
    expect(clipText('x'.repeat(1000), 10)).toBe('xxxxxxxxxx… (1000 chars)');
  });

  it('turn anything thrown into bounded text', () => {
    expect(errorText(new TypeError('bad'))).toBe('bad');
    expect(errorText('plain', 3)).toBe('pla… (5 chars)');
    const hostile = {
      toString(): never {
        throw new Error('no');
      },
    };
    expect(errorText(hostile)).toBe('<object that cannot be shown>');
  });
});
