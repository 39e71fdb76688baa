import { Decoder, Encoder } from '@msgpack/msgpack';
import type { PartitionResult } from '../stream/index.ts';

// bigint offsets cross as int64; everything else in a result is plain data.
const encoder = new Encoder({ useBigInt64: true, ignoreUndefined: false });
const decoder = new Decoder({ useBigInt64: true });

/** A worker's partition result as msgpack bytes, to transfer rather than structured-clone. */
export function encodeResult(result: PartitionResult): Uint8Array {
  return encoder.encode(result);
}

export function decodeResult(bytes: Uint8Array): PartitionResult {
  return decoder.decode(bytes) as PartitionResult;
}

/** Plain data (keyed state's groups and runs) as msgpack bytes, to transfer between threads. */
export function encodePlain(value: unknown): Uint8Array {
  return encoder.encode(value);
}

export function decodePlain(bytes: Uint8Array): unknown {
  return decoder.decode(bytes);
}
