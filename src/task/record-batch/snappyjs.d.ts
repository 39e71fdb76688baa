// snappyjs ships no types: the one function the slots call (raw snappy blocks, pure JavaScript).
declare module 'snappyjs' {
  /** Throws when the block's declared length passes `maxLength`, before decompressing. */
  export function uncompress(compressed: Uint8Array, maxLength?: number): Uint8Array;
}
