// Plain msgpack for data between threads, in repartition records and in checkpoints (bigints, undefined).

import { Decoder, Encoder } from '@msgpack/msgpack';

// Plain data between threads, in repartition records and in checkpoints: bigints (offsets, user
// keys) as int64, and undefined kept as nil. Decoded JSON nests at most MAX_JSON_DEPTH deep; the
// encoder's limit leaves room for what jobs wrap around it (measured: 2,000 levels encode in a
// worker's default stack).
/** The deepest JSON a record value may nest (arrays and objects); deeper is a decode error. */
export const MAX_JSON_DEPTH = 512;

const encoder = new Encoder({ useBigInt64: true, ignoreUndefined: false, maxDepth: 2 * MAX_JSON_DEPTH });
const decoder = new Decoder({ useBigInt64: true });

export function encodePlain(value: unknown): Uint8Array {
  return encoder.encode(value);
}

export function decodePlain(bytes: Uint8Array): unknown {
  return decoder.decode(bytes);
}

/** A msgpack array of already encoded items: its header, then the items' bytes as they are. */
export function joinArray(items: readonly Uint8Array[]): Uint8Array {
  const n = items.length;
  const header =
    n < 16
      ? [0x90 | n]
      : n < 0x10000
        ? [0xdc, n >> 8, n & 0xff]
        : [0xdd, n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
  const bytes = new Uint8Array(header.length + items.reduce((sum, item) => sum + item.byteLength, 0));
  bytes.set(header);
  let at = header.length;
  for (const item of items) {
    bytes.set(item, at);
    at += item.byteLength;
  }
  return bytes;
}
