// The value of a placeholder record that stands for a record of a compressed batch that could not
// be decompressed (see corrupt-batch.ts). Dependency-free on purpose: worker threads import this
// file to recognise the placeholders, and must not load kafkajs or a native addon for it.

const PREFIX = '\0sluice.undecompressable-batch\0';
const PREFIX_BYTES = new TextEncoder().encode(PREFIX);
const FIRST = PREFIX_BYTES[0] ?? 0;
const utf8 = new TextDecoder();

/** What a placeholder says about the batch it stands for. */
export type UndecompressableBatch = {
  /** The codec's name as Kafka spells it: gzip, snappy, lz4 or zstd. */
  readonly codec: string;
  /** First and last offset of the Kafka record batch, as decimal strings. */
  readonly firstOffset: string;
  readonly lastOffset: string;
  /** Records the batch header says it holds. */
  readonly records: number;
  /** The codec's own error message. */
  readonly error: string;
};

/** The placeholder value: the prefix, then the batch's description as JSON. */
export function encodeMarker(batch: UndecompressableBatch): Uint8Array {
  return new TextEncoder().encode(`${PREFIX}${JSON.stringify(batch)}`);
}

/**
 * The batch a placeholder value describes, or `undefined` for any other value. Costs one byte
 * comparison for ordinary values: JSON and text never start with a NUL byte.
 */
export function readMarker(bytes: Uint8Array): UndecompressableBatch | undefined {
  if (bytes.length <= PREFIX_BYTES.length || bytes[0] !== FIRST) return undefined;
  for (let i = 1; i < PREFIX_BYTES.length; i++) if (bytes[i] !== PREFIX_BYTES[i]) return undefined;
  try {
    return JSON.parse(utf8.decode(bytes.subarray(PREFIX_BYTES.length))) as UndecompressableBatch;
  } catch {
    return undefined;
  }
}

/** The decode error a placeholder turns into: names the batch, the codec and why it failed. */
export function describeMarker(batch: UndecompressableBatch): string {
  return `${batch.codec} batch at offsets ${batch.firstOffset}-${batch.lastOffset} (${batch.records} records) cannot be decompressed: ${batch.error}`;
}
