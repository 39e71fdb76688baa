// Kafka's murmur2, byte for byte as `org.apache.kafka.common.utils.Utils.murmur2` in the Java
// client: MurmurHash2 (32-bit) with Kafka's fixed seed. Java does all of it in wrapping signed
// 32-bit ints: Math.imul is Java's `int * int`, and the bitwise operators already yield int32, so
// `x ^= x >>> n` means the same in both languages. test/fixtures/murmur2-java-vectors.json holds
// the real client's answers; the integration test keeps that file honest.

const SEED = 0x9747b28c;
const M = 0x5bd1e995;
const R = 24;

/**
 * The Java client's `Utils.murmur2(bytes)`: a signed 32-bit hash, equal to what the Java producer
 * computes for the same bytes. Reads the input only; allocates nothing.
 *
 * @example
 * murmur2(new TextEncoder().encode('foobar')); // -790332482, as in Kafka's UtilsTest
 */
export function murmur2(bytes: Uint8Array): number {
  const length = bytes.length;
  let h = SEED ^ length;
  const tail = length & ~3;

  for (let i = 0; i < tail; i += 4) {
    // Little-endian word. Java adds the four parts; they never overlap, so `|` is the same sum.
    let k =
      (bytes[i] as number) |
      ((bytes[i + 1] as number) << 8) |
      ((bytes[i + 2] as number) << 16) |
      ((bytes[i + 3] as number) << 24);
    k = Math.imul(k, M);
    k ^= k >>> R;
    k = Math.imul(k, M);
    h = Math.imul(h, M);
    h ^= k;
  }

  // Java's switch falls through 3 -> 2 -> 1; only a non-empty tail gets the extra multiply.
  const rest = length & 3;
  if (rest !== 0) {
    if (rest === 3) h ^= (bytes[tail + 2] as number) << 16;
    if (rest >= 2) h ^= (bytes[tail + 1] as number) << 8;
    h ^= bytes[tail] as number;
    h = Math.imul(h, M);
  }

  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h;
}

/**
 * The Java client's `Utils.toPositive(n)`: clears the sign bit (not `Math.abs`, which would map
 * -2^31 to itself). Kafka uses it to turn a murmur2 hash into a partition: `toPositive(h) % n`.
 *
 * @example
 * toPositive(-790332482); // 1357151166
 */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}

export const PARTITIONER_NAMES = ['murmur2', 'hash-value', 'round-robin'] as const;

/**
 * - `murmur2`: `toPositive(murmur2(key)) % n`, the Java producer's partition for a keyed record.
 * - `hash-value`: the same hash over the value bytes, for records whose content is their identity.
 * - `round-robin`: 0, 1, …, n-1, 0, … regardless of key and value.
 */
export type PartitionerName = (typeof PARTITIONER_NAMES)[number];

/**
 * The part of a partitioner that depends on the record alone: the positive hash whose `% n` is
 * the partition, or -1 when the record has nothing to hash (no key, no value, or `round-robin`)
 * and goes round-robin. A slot computes it; the main thread only takes `% n`.
 *
 * @example
 * partitionHash('murmur2', new TextEncoder().encode('foobar'), null) % 12; // 6
 */
export function partitionHash(
  name: PartitionerName,
  key: Uint8Array | null,
  value: Uint8Array | null,
): number {
  if (name === 'round-robin') return -1;
  const hashed = name === 'murmur2' ? key : value;
  return hashed === null ? -1 : toPositive(murmur2(hashed));
}
