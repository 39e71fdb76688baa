// One input line of `sluice produce --from-file` as a record's key and value, or why it cannot be one.

import { errorText, SAMPLE_CHARS, sampleValue } from '../errors/index.ts';
import type { LinesOptions } from './produce-args.ts';

export type LineRecord = { readonly key: Buffer | null; readonly value: Buffer };

const utf8 = new TextDecoder('utf-8', { fatal: true });
const SAMPLE = 60;

/**
 * The record for `line` (its bytes without the line end): with `keySeparator`, the key is what
 * comes before its first occurrence and the value what follows; with `keyField` (JSON lines), the
 * key is that field of the line's object, a string or a number, as text. Text values are the bytes
 * as they are; a JSON line must be UTF-8 and one JSON value, written as it is.
 *
 * @example
 * lineRecord(Buffer.from('u1:hello'), { from: '-', format: 'text', keySeparator: ':', onError: 'stop' });
 * // { key: <Buffer 75 31>, value: <Buffer 68 65 6c 6c 6f> }
 */
export function lineRecord(line: Buffer, options: LinesOptions): LineRecord | { readonly problem: string } {
  let key: Buffer | null = null;
  let value = line;
  const { keySeparator, keyField } = options;
  if (keySeparator !== undefined) {
    const at = line.indexOf(keySeparator);
    if (at < 0) return { problem: `it has no key separator ${JSON.stringify(keySeparator)}` };
    key = line.subarray(0, at);
    value = line.subarray(at + Buffer.byteLength(keySeparator));
  }
  if (options.format === 'text') return { key, value };

  let text: string;
  try {
    text = utf8.decode(value);
  } catch {
    return { problem: 'it is not UTF-8, which JSON must be' };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { problem: `it is not one JSON value: ${errorText(error, SAMPLE_CHARS)}` };
  }
  if (keyField === undefined) return { key, value };
  const field = fieldKey(parsed, keyField);
  return typeof field === 'string' ? { problem: field } : { key: field, value };
}

/** The key from `object[name]`, or the problem with it, as a string. */
function fieldKey(object: unknown, name: string): Buffer | string {
  const label = `key field ${JSON.stringify(name)}`;
  if (typeof object !== 'object' || object === null || Array.isArray(object)) {
    return `the ${label} needs a JSON object; got ${sampleValue(object, SAMPLE)}`;
  }
  // Own fields only: JSON.parse makes "__proto__" an own field, and "constructor" of every
  // object is inherited, not the line's.
  const field = Object.getOwnPropertyDescriptor(object, name)?.value as unknown;
  if (!Object.hasOwn(object, name)) return `the ${label} is missing`;
  if (typeof field === 'string') return Buffer.from(field);
  if (typeof field === 'number' && Number.isFinite(field)) return Buffer.from(String(field));
  return `the ${label} must be a string or a number; got ${sampleValue(field, SAMPLE)}`;
}
