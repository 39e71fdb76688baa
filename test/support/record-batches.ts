// Record batch (v2) headers for main-thread tests: the fetch path reads headers only, never records.

export const TRANSACTIONAL = 0x10;
export const CONTROL = 0x20;

/** A record batch's 61-byte header and `body` (a stand-in for its records). */
export function batchBytes(options: {
  base: bigint;
  lastOffsetDelta: number;
  count: number;
  attributes?: number;
  producerId?: bigint;
  body?: Uint8Array;
}): Uint8Array {
  const body = options.body ?? new Uint8Array(10).fill(7);
  const bytes = new Uint8Array(61 + body.length);
  const view = new DataView(bytes.buffer);
  view.setBigInt64(0, options.base);
  view.setInt32(8, bytes.length - 12);
  view.setInt8(16, 2);
  view.setInt16(21, options.attributes ?? 0);
  view.setInt32(23, options.lastOffsetDelta);
  view.setBigInt64(43, options.producerId ?? -1n);
  view.setInt32(57, options.count);
  bytes.set(body, 61);
  return bytes;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
