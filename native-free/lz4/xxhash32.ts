// xxHash32 (https://github.com/Cyan4973/xxHash/blob/dev/doc/xxhash_spec.md), the checksum of the
// LZ4 frame format. All arithmetic is modulo 2^32: Math.imul for products, `| 0` for sums.

const PRIME1 = 0x9e3779b1;
const PRIME2 = 0x85ebca77;
const PRIME3 = 0xc2b2ae3d;
const PRIME4 = 0x27d4eb2f;
const PRIME5 = 0x165667b1;

/**
 * xxHash32 of `input[start, end)` as an unsigned 32-bit integer. Internal: it hashes a range of a
 * larger buffer without creating a subarray.
 */
export function xxhash32Range(input: Uint8Array, start: number, end: number, seed: number): number {
  let i = start;
  let h: number;
  if (end - start >= 16) {
    let v1 = (seed + PRIME1 + PRIME2) | 0;
    let v2 = (seed + PRIME2) | 0;
    let v3 = seed | 0;
    let v4 = (seed - PRIME1) | 0;
    const limit = end - 16;
    // `as number`: i + 15 < end, so every read is in bounds (noUncheckedIndexedAccess cannot see it).
    while (i <= limit) {
      let lane =
        (input[i] as number) |
        ((input[i + 1] as number) << 8) |
        ((input[i + 2] as number) << 16) |
        ((input[i + 3] as number) << 24);
      v1 = (v1 + Math.imul(lane, PRIME2)) | 0;
      v1 = Math.imul((v1 << 13) | (v1 >>> 19), PRIME1);
      lane =
        (input[i + 4] as number) |
        ((input[i + 5] as number) << 8) |
        ((input[i + 6] as number) << 16) |
        ((input[i + 7] as number) << 24);
      v2 = (v2 + Math.imul(lane, PRIME2)) | 0;
      v2 = Math.imul((v2 << 13) | (v2 >>> 19), PRIME1);
      lane =
        (input[i + 8] as number) |
        ((input[i + 9] as number) << 8) |
        ((input[i + 10] as number) << 16) |
        ((input[i + 11] as number) << 24);
      v3 = (v3 + Math.imul(lane, PRIME2)) | 0;
      v3 = Math.imul((v3 << 13) | (v3 >>> 19), PRIME1);
      lane =
        (input[i + 12] as number) |
        ((input[i + 13] as number) << 8) |
        ((input[i + 14] as number) << 16) |
        ((input[i + 15] as number) << 24);
      v4 = (v4 + Math.imul(lane, PRIME2)) | 0;
      v4 = Math.imul((v4 << 13) | (v4 >>> 19), PRIME1);
      i += 16;
    }
    h =
      (((v1 << 1) | (v1 >>> 31)) +
        ((v2 << 7) | (v2 >>> 25)) +
        ((v3 << 12) | (v3 >>> 20)) +
        ((v4 << 18) | (v4 >>> 14))) |
      0;
  } else {
    h = (seed + PRIME5) | 0;
  }
  // The spec adds the length modulo 2^32.
  h = (h + (end - start)) | 0;
  while (i + 4 <= end) {
    const lane =
      (input[i] as number) |
      ((input[i + 1] as number) << 8) |
      ((input[i + 2] as number) << 16) |
      ((input[i + 3] as number) << 24);
    h = (h + Math.imul(lane, PRIME3)) | 0;
    h = Math.imul((h << 17) | (h >>> 15), PRIME4);
    i += 4;
  }
  while (i < end) {
    h = (h + Math.imul(input[i] as number, PRIME5)) | 0;
    h = Math.imul((h << 11) | (h >>> 21), PRIME1);
    i++;
  }
  h ^= h >>> 15;
  h = Math.imul(h, PRIME2);
  h ^= h >>> 13;
  h = Math.imul(h, PRIME3);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * xxHash32 of `input` with `seed` (taken modulo 2^32), as an unsigned 32-bit integer: the
 * checksum the LZ4 frame format uses (seed 0) for its header, blocks and content.
 *
 * @example
 * xxhash32(new TextEncoder().encode('abc')); // 0x32d153ff
 */
export function xxhash32(input: Uint8Array, seed = 0): number {
  return xxhash32Range(input, 0, input.length, seed >>> 0);
}
