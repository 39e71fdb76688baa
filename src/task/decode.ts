// Decoding record values and keys in the slot: JSON (depth-limited), string or bytes.

import { describeMarker, MAX_JSON_DEPTH, readMarker } from '../core/index.ts';
import type { InputFormat } from '../dsl/index.ts';
import { ErrorCode, SluiceError } from '../errors/index.ts';

export type ValueFormat = InputFormat;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes a record's value bytes; throws (SyntaxError, TypeError) on bytes that are not the format,
 * and a `SLUICE_DECODE` error for a placeholder of a batch that could not be decompressed.
 */
export function decodeValue(bytes: Uint8Array | null, format: ValueFormat): unknown {
  if (bytes === null) return null;
  const undecompressable = readMarker(bytes);
  if (undecompressable) throw new SluiceError(ErrorCode.decode, describeMarker(undecompressable));
  if (format === 'bytes') return bytes;
  const text = decodeText(bytes);
  if (format === 'string') return text;
  // Nesting deeper than the limit needs two characters a level: shorter texts need no scan.
  if (text.length > 2 * MAX_JSON_DEPTH) checkJsonDepth(text);
  return JSON.parse(text);
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACKET = 0x5d;
const CLOSE_BRACE = 0x7d;

/** Throws a `SLUICE_DECODE` error when the brackets outside strings nest deeper than the limit. */
function checkJsonDepth(text: string): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACKET || c === OPEN_BRACE) {
      if (++depth > MAX_JSON_DEPTH) {
        throw new SluiceError(
          ErrorCode.decode,
          `value nests deeper than ${MAX_JSON_DEPTH} levels of arrays and objects (at character ${i})`,
        );
      }
    } else if (c === CLOSE_BRACKET || c === CLOSE_BRACE) depth--;
  }
}

export function decodeText(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new SyntaxError('value is not valid UTF-8');
  }
}

export function decodeKey(bytes: Uint8Array | null): string | null {
  return bytes === null
    ? null
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}
