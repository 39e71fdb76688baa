import { describe, expect, it } from 'vitest';
import { lineRecord } from '../../src/cli/line-record.ts';
import type { LinesOptions } from '../../src/cli/produce-args.ts';

const text: LinesOptions = { from: '-', format: 'text', onError: 'stop' };
const json: LinesOptions = { from: '-', format: 'json', onError: 'stop' };

function record(line: string | Buffer, options: LinesOptions): unknown {
  const result = lineRecord(typeof line === 'string' ? Buffer.from(line) : line, options);
  return 'problem' in result
    ? result
    : { key: result.key === null ? null : result.key.toString(), value: result.value.toString() };
}

describe('lineRecord', () => {
  it('text: the line as the value, no key; bytes that are not UTF-8 as they are', () => {
    expect(record('hello world', text)).toEqual({ key: null, value: 'hello world' });
    const bytes = lineRecord(Buffer.from([0xff, 0x00, 0xfe]), text);
    expect('value' in bytes && bytes.value).toEqual(Buffer.from([0xff, 0x00, 0xfe]));
  });

  it('a key separator: the key before its first occurrence, the value after; a multi-byte one too', () => {
    expect(record('u1:a:b', { ...text, keySeparator: ':' })).toEqual({ key: 'u1', value: 'a:b' });
    expect(record(':v', { ...text, keySeparator: ':' })).toEqual({ key: '', value: 'v' });
    expect(record('k→v', { ...text, keySeparator: '→' })).toEqual({ key: 'k', value: 'v' });
    expect(record('no separator', { ...text, keySeparator: '\t' })).toEqual({
      problem: 'it has no key separator "\\t"',
    });
  });

  it('json: one JSON value per line, written as it is', () => {
    expect(record(' {"a": 1} ', json)).toEqual({ key: null, value: ' {"a": 1} ' });
    expect(record('k\t[1,2]', { ...json, keySeparator: '\t' })).toEqual({ key: 'k', value: '[1,2]' });
    expect(record('{"a":', json)).toEqual({
      problem: 'it is not one JSON value: Unexpected end of JSON input',
    });
    expect(record(Buffer.from([0x22, 0xff, 0x22]), json)).toEqual({
      problem: 'it is not UTF-8, which JSON must be',
    });
  });

  it('json with a key field: a string or a number as text; anything else is a problem', () => {
    const by = (field: string): LinesOptions => ({ ...json, keyField: field });
    expect(record('{"user":"u1","n":1}', by('user'))).toEqual({ key: 'u1', value: '{"user":"u1","n":1}' });
    expect(record('{"id":42.5}', by('id'))).toEqual({ key: '42.5', value: '{"id":42.5}' });
    expect(record('{"n":1}', by('user'))).toEqual({ problem: 'the key field "user" is missing' });
    expect(record('{"user":{"id":1}}', by('user'))).toEqual({
      problem: 'the key field "user" must be a string or a number; got {"id":1}',
    });
    expect(record('{"user":null}', by('user'))).toEqual({
      problem: 'the key field "user" must be a string or a number; got null',
    });
    expect(record('[{"user":"u1"}]', by('user'))).toEqual({
      problem: 'the key field "user" needs a JSON object; got [{"user":"u1"}]',
    });
  });

  it("json with a key field named __proto__ or constructor: only the line's own field counts", () => {
    expect(record('{"__proto__":"p1"}', { ...json, keyField: '__proto__' })).toEqual({
      key: 'p1',
      value: '{"__proto__":"p1"}',
    });
    expect(record('{"a":1}', { ...json, keyField: '__proto__' })).toEqual({
      problem: 'the key field "__proto__" is missing',
    });
    expect(record('{"a":1}', { ...json, keyField: 'constructor' })).toEqual({
      problem: 'the key field "constructor" is missing',
    });
  });
});
