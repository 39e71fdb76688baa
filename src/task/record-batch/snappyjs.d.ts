// snappyjs ships no types: the two functions the slots call (raw snappy blocks, pure JavaScript).
declare module 'snappyjs' {
  /** Throws when the block's declared length passes `maxLength`, before decompressing. */
  export function uncompress(compressed: Uint8Array, maxLength?: number): Uint8Array;
  /** One raw snappy block of `uncompressed`. */
  export function compress(uncompressed: Uint8Array): Uint8Array;
}
