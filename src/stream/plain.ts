import { Decoder, Encoder } from '@msgpack/msgpack';

// Plain data between threads, in repartition records and in checkpoints: bigints (offsets, user
// keys) as int64, and undefined kept as nil.
const encoder = new Encoder({ useBigInt64: true, ignoreUndefined: false });
const decoder = new Decoder({ useBigInt64: true });

export function encodePlain(value: unknown): Uint8Array {
  return encoder.encode(value);
}

export function decodePlain(bytes: Uint8Array): unknown {
  return decoder.decode(bytes);
}
