/** Key identity: the one place that says when two stream keys are the same key, and a key's text. */
import { ErrorCode, errorText, SluiceError, sampleValue } from '../errors/index.ts';
import { toJson } from './json.ts';
import { encodePlain } from './plain.ts';

/**
 * What a key is compared by in a Map: a primitive as itself, an object by its JSON. An object that
 * JSON cannot write (a bigint inside) is compared by its msgpack bytes behind a NUL, a character
 * JSON.stringify never emits raw, so the two forms cannot collide.
 */
export function keyIdentity(key: unknown): unknown {
  if (key === null || typeof key !== 'object') return key;
  try {
    return JSON.stringify(key);
  } catch (error) {
    if (!(error instanceof TypeError && error.message.includes('BigInt'))) throw uncomparable(key, error);
    try {
      return `\u0000${Buffer.from(encodePlain(key)).toString('latin1')}`;
    } catch (inner) {
      throw uncomparable(key, inner);
    }
  }
}

function uncomparable(key: unknown, error: unknown): SluiceError {
  return new SluiceError(ErrorCode.decode, `key ${sampleValue(key)} cannot be compared: ${errorText(error)}`);
}

/**
 * A key as text, for partitioning (Kafka's default partitioner hashes these bytes), repartition
 * and output record keys and key columns: a string as itself, anything else as its JSON with
 * bigints as decimal strings.
 */
export function keyText(key: unknown): string {
  return typeof key === 'string' ? key : toJson(key);
}
