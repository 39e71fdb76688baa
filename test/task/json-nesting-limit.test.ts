import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH } from '../../src/core/index.ts';
import { defineJob } from '../../src/dsl/index.ts';
import { isSluiceError } from '../../src/errors/index.ts';
import { decodeValue } from '../../src/task/decode.ts';
import { TestDriver } from '../../src/testing/index.ts';

// JSON nested deeper than MAX_JSON_DEPTH is a decode error at the record: past it, the value could
// not cross threads or go into a checkpoint (msgpack's encoder stops), and the batch would fail.

const bytes = (text: string): Uint8Array => Buffer.from(text);
const nested = (depth: number): string => `${'['.repeat(depth)}1${']'.repeat(depth)}`;

function decodeError(text: string): string {
  try {
    decodeValue(bytes(text), 'json');
  } catch (error) {
    if (isSluiceError(error, 'SLUICE_DECODE')) return error.message;
    throw error;
  }
  return 'decoded';
}

describe('the JSON nesting limit', () => {
  it('decodes a value nested exactly MAX_JSON_DEPTH deep, and refuses one level more', () => {
    expect(MAX_JSON_DEPTH).toBe(512);
    expect(decodeError(nested(512))).toBe('decoded');
    expect(decodeError(`{"a":${nested(511)}}`)).toBe('decoded');
    expect(decodeError(nested(513))).toBe(
      'value nests deeper than 512 levels of arrays and objects (at character 512)',
    );
    expect(decodeError(`{"a":${nested(512)}}`)).toBe(
      'value nests deeper than 512 levels of arrays and objects (at character 516)',
    );
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    const brackets = '['.repeat(3000);
    expect(decodeValue(bytes(`{"a":"${brackets}"}`), 'json')).toEqual({ a: brackets });
    expect(decodeValue(bytes(`{"a":"\\"${brackets}"}`), 'json')).toEqual({ a: `"${brackets}` });
    expect(decodeError(`{"a":"\\\\","b":${nested(600)}}`)).toMatch(/^value nests deeper than 512 levels/);
  });

  it('leaves the string and bytes formats alone', () => {
    expect(decodeValue(bytes(nested(20_000)), 'string')).toBe(nested(20_000));
    expect(decodeValue(bytes(nested(20_000)), 'bytes')).toEqual(bytes(nested(20_000)));
  });
});

describe('a job that passes values through to its output', () => {
  const passThrough = defineJob((ctx) => {
    ctx
      .stream()
      .map((record) => ({ wrapped: [record.value] }))
      .foreachBatch(() => {});
  });

  it('skips the values nested too deep, and carries the deepest allowed one across threads', async () => {
    const driver = new TestDriver(passThrough, { decodePolicy: 'skip' });
    const batch = await driver.runBatch([
      { bytes: '{"ok":1}' },
      { bytes: nested(20_000) },
      { bytes: nested(MAX_JSON_DEPTH) },
      { bytes: `{"deep":${nested(600)}}` },
      { bytes: '{"ok":2}' },
    ]);
    expect(batch.fatal).toBeUndefined();
    expect(batch.decodeErrors).toBe(2);
    expect(batch.failures.map((failure) => failure.offset)).toEqual([1n, 3n]);
    expect(batch.outputs[0]?.values).toEqual([
      { wrapped: [{ ok: 1 }] },
      { wrapped: [JSON.parse(nested(MAX_JSON_DEPTH))] },
      { wrapped: [{ ok: 2 }] },
    ]);
  });
});
