// A record set's records as growable typed-array columns: no object per record, arrays reused across sets.

const INITIAL_CAPACITY = 256;
/** Past this many records, reset gives the arrays back rather than keep a large batch's memory. */
const MAX_KEPT_CAPACITY = 1 << 18;
const INT32_MAX = 0x7fff_ffffn;

/**
 * Columns of records appended in offset order. Offsets are kept as an int32 delta from a bigint
 * base when the set's offset range allows it (every Sluice batch in practice), as int64 otherwise.
 * A key or value is a span of one of the set's byte sources: -1 length is null. `reset` empties
 * them for the next set and keeps their arrays, so a slot does not allocate them per task.
 */
export class RecordColumns {
  count = 0;
  base = 0n;
  #narrow = true;
  #capacity = INITIAL_CAPACITY;
  deltas = new Int32Array(INITIAL_CAPACITY);
  /** Allocated only for a set whose offsets do not fit int32 deltas. */
  offsets: BigInt64Array | null = null;
  timestamps = new Float64Array(INITIAL_CAPACITY);
  keyStart = new Int32Array(INITIAL_CAPACITY);
  keyLength = new Int32Array(INITIAL_CAPACITY);
  valueStart = new Int32Array(INITIAL_CAPACITY);
  valueLength = new Int32Array(INITIAL_CAPACITY);
  /** Which byte source (an index into the set's sources) the key and value lie in. */
  source = new Int32Array(INITIAL_CAPACITY);

  /**
   * Empties the columns for a set whose offsets are `base` + at most `span`; a view over their
   * previous contents must no longer be read.
   */
  reset(base: bigint, span: bigint): void {
    this.count = 0;
    this.base = base;
    this.#narrow = span <= INT32_MAX;
    if (this.#capacity > MAX_KEPT_CAPACITY) this.#allocate(INITIAL_CAPACITY);
    if (!this.#narrow && this.offsets === null) this.offsets = new BigInt64Array(this.#capacity);
  }

  /** The offset of record `index` (in range: the caller checks). */
  offset(index: number): bigint {
    return this.#narrow
      ? this.base + BigInt(this.deltas[index] as number)
      : ((this.offsets as BigInt64Array)[index] as bigint);
  }

  /**
   * Appends a record at offset `base + delta`; `timestamp` NaN stands for one a number cannot
   * hold exactly. Key and value lengths of -1 are null.
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
    if (this.#narrow) this.deltas[i] = delta;
    else (this.offsets as BigInt64Array)[i] = this.base + BigInt(delta);
    this.timestamps[i] = timestamp;
    this.source[i] = source;
    this.keyStart[i] = keyStart;
    this.keyLength[i] = keyLength;
    this.valueStart[i] = valueStart;
    this.valueLength[i] = valueLength;
  }

  #allocate(capacity: number): void {
    this.#capacity = capacity;
    this.deltas = new Int32Array(capacity);
    this.offsets = null;
    this.timestamps = new Float64Array(capacity);
    this.source = new Int32Array(capacity);
    this.keyStart = new Int32Array(capacity);
    this.keyLength = new Int32Array(capacity);
    this.valueStart = new Int32Array(capacity);
    this.valueLength = new Int32Array(capacity);
  }

  #grow(): void {
    const capacity = this.#capacity * 2;
    this.#capacity = capacity;
    this.deltas = grown(this.deltas, new Int32Array(capacity));
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
