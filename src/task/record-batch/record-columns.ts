// A record set's records as growable typed-array columns: no object per record.

const INITIAL_CAPACITY = 256;

/**
 * Columns of records appended in offset order. Offsets are kept as an int32 delta from a bigint
 * base when the set's offset range allows it (every Sluice batch in practice), as int64 otherwise.
 * A key or value is a span of one of the set's byte sources: -1 length is null.
 */
export class RecordColumns {
  count = 0;
  readonly base: bigint;
  #capacity = INITIAL_CAPACITY;
  deltas: Int32Array | null;
  offsets: BigInt64Array | null;
  timestamps = new Float64Array(INITIAL_CAPACITY);
  keyStart = new Int32Array(INITIAL_CAPACITY);
  keyLength = new Int32Array(INITIAL_CAPACITY);
  valueStart = new Int32Array(INITIAL_CAPACITY);
  valueLength = new Int32Array(INITIAL_CAPACITY);
  /** Which byte source (an index into the set's sources) the key and value lie in. */
  source = new Int32Array(INITIAL_CAPACITY);

  /** `span`: the largest offset minus `base` the set can hold. */
  constructor(base: bigint, span: bigint) {
    this.base = base;
    const narrow = span <= 0x7fff_ffffn;
    this.deltas = narrow ? new Int32Array(INITIAL_CAPACITY) : null;
    this.offsets = narrow ? null : new BigInt64Array(INITIAL_CAPACITY);
  }

  /** The offset of record `index` (in range: the caller checks). */
  offset(index: number): bigint {
    return this.deltas
      ? this.base + BigInt(this.deltas[index] as number)
      : ((this.offsets as BigInt64Array)[index] as bigint);
  }

  /**
   * Appends a record at offset `base + delta`; `timestamp` NaN stands for one a number cannot hold exactly. Key and value
   * lengths of -1 are null.
   */
  push(
    delta: number,
    timestamp: number,
    source: number,
    keyStart: number,
    keyLength: number,
    valueStart: number,
    valueLength: number,
  ): void {
    if (this.count === this.#capacity) this.#grow();
    const i = this.count++;
    if (this.deltas) this.deltas[i] = delta;
    else (this.offsets as BigInt64Array)[i] = this.base + BigInt(delta);
    this.timestamps[i] = timestamp;
    this.source[i] = source;
    this.keyStart[i] = keyStart;
    this.keyLength[i] = keyLength;
    this.valueStart[i] = valueStart;
    this.valueLength[i] = valueLength;
  }

  #grow(): void {
    const capacity = this.#capacity * 2;
    this.#capacity = capacity;
    if (this.deltas) this.deltas = grown(this.deltas, new Int32Array(capacity));
    if (this.offsets) this.offsets = grown(this.offsets, new BigInt64Array(capacity));
    this.timestamps = grown(this.timestamps, new Float64Array(capacity));
    this.source = grown(this.source, new Int32Array(capacity));
    this.keyStart = grown(this.keyStart, new Int32Array(capacity));
    this.keyLength = grown(this.keyLength, new Int32Array(capacity));
    this.valueStart = grown(this.valueStart, new Int32Array(capacity));
    this.valueLength = grown(this.valueLength, new Int32Array(capacity));
  }
}

function grown<T extends Int32Array | Float64Array | BigInt64Array>(from: T, to: T): T {
  (to as { set(array: T): void }).set(from);
  return to;
}
