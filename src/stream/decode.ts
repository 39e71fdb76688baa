// The marker file alone, not codecs/index.ts: workers must not load kafkajs or native addons.
import { describeMarker, readMarker } from '../codecs/marker.ts';
import { ErrorCode, SluiceError } from '../errors/index.ts';

export type ValueFormat = 'json' | 'string' | 'bytes';

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
  return format === 'json' ? JSON.parse(text) : text;
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
