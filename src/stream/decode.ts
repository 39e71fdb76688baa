export type ValueFormat = 'json' | 'string' | 'bytes';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes a record's value bytes; throws (SyntaxError, TypeError) on bytes that are not the format. */
export function decodeValue(bytes: Uint8Array | null, format: ValueFormat): unknown {
  if (bytes === null) return null;
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
