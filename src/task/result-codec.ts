// A partition result as msgpack bytes, transferred back rather than structured-cloned.

import { decodePlain, encodePlain } from '../core/index.ts';
import type { PartitionResult } from './partition-types.ts';

/** A worker's partition result as msgpack bytes, to transfer rather than structured-clone. */
export function encodeResult(result: PartitionResult): Uint8Array {
  return encodePlain(result);
}

export function decodeResult(bytes: Uint8Array): PartitionResult {
  return decodePlain(bytes) as PartitionResult;
}
