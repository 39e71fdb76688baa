// Latencies in a log-linear histogram (HDR-style, about 3 % wide buckets): recorded without allocation, merged, shifted, read as percentiles.

/** Values below this have a bucket each (microseconds). */
const LINEAR = 64;
/** Sub-buckets per power of two above LINEAR: 32, so a bucket is at most 1/32 of its value. */
const SUB = 32;
/** Largest recorded value: 2^40 µs, about 12.7 days; larger ones count in the top bucket. */
const MAX_SHIFT = 35;
const BUCKETS = (MAX_SHIFT + 1) * SUB + SUB;

/** The bucket of `micros` (≥ 0, an integer). */
export function bucketOf(micros: number): number {
  if (micros < LINEAR) return micros;
  const shift = Math.min(MAX_SHIFT, Math.floor(Math.log2(micros)) - 5);
  const mantissa = Math.min(2 * SUB - 1, Math.floor(micros / 2 ** shift));
  return shift * SUB + mantissa;
}

/** The smallest value of bucket `index`, and its width. */
export function bucketRange(index: number): { readonly low: number; readonly width: number } {
  if (index < LINEAR) return { low: index, width: 1 };
  const shift = Math.floor(index / SUB) - 1;
  const mantissa = index - shift * SUB;
  return { low: mantissa * 2 ** shift, width: 2 ** shift };
}

/**
 * Durations in microseconds. `record` costs a few arithmetic operations and allocates nothing; a
 * negative value (a clock behind the record's timestamp) counts as 0. `merge` can shift another
 * histogram by a constant — what a slot measured against its clock, moved to when the main
 * thread's sink finished — placing each bucket's midpoint anew, so shifted figures are good to
 * a bucket's width.
 *
 * @example
 * const h = new LatencyHistogram();
 * for (const ms of [3, 4, 5, 250]) h.record(ms * 1000);
 * h.percentile(0.5); // 4,000 µs, to within 3 %
 */
export class LatencyHistogram {
  readonly #counts = new Float64Array(BUCKETS);
  #count = 0;
  #max = 0;

  get count(): number {
    return this.#count;
  }

  /** The largest value recorded (exact, not a bucket's). */
  get max(): number {
    return this.#max;
  }

  record(micros: number, count = 1): void {
    if (!(count > 0)) return;
    const value = Number.isFinite(micros) && micros > 0 ? Math.floor(micros) : 0;
    const index = bucketOf(value);
    this.#counts[index] = (this.#counts[index] as number) + count;
    this.#count += count;
    if (value > this.#max) this.#max = value;
  }

  /** Adds `other`'s counts, each value moved by `shiftMicros`. */
  merge(other: LatencyHistogram, shiftMicros = 0): void {
    const counts = other.#counts;
    for (let index = 0; index < BUCKETS; index++) {
      const count = counts[index] as number;
      if (count === 0) continue;
      if (shiftMicros === 0) {
        this.#counts[index] = (this.#counts[index] as number) + count;
        this.#count += count;
        continue;
      }
      const { low, width } = bucketRange(index);
      this.record(low + (width - 1) / 2 + shiftMicros, count);
    }
    if (other.#count > 0) this.#max = Math.max(this.#max, Math.max(0, Math.floor(other.#max + shiftMicros)));
  }

  /**
   * The value at quantile `q` (0–1): the top of the bucket where the count reaches it, never above
   * the largest value recorded; 0 when empty.
   */
  percentile(q: number): number {
    if (this.#count === 0) return 0;
    const rank = Math.max(1, Math.ceil(Math.min(1, Math.max(0, q)) * this.#count));
    let seen = 0;
    for (let index = 0; index < BUCKETS; index++) {
      seen += this.#counts[index] as number;
      if (seen >= rank) {
        const { low, width } = bucketRange(index);
        return Math.min(this.#max, low + width - 1);
      }
    }
    return this.#max;
  }

  /** How many values are at most `micros` (whole buckets: those that end at or below it). */
  countAtMost(micros: number): number {
    let seen = 0;
    for (let index = 0; index < BUCKETS; index++) {
      const { low, width } = bucketRange(index);
      if (low + width - 1 > micros) break;
      seen += this.#counts[index] as number;
    }
    return seen;
  }

  /** `[bucket, count, …]` of the non-empty buckets, then the max: small, and plain for msgpack. */
  toSparse(): number[] {
    const out: number[] = [];
    for (let index = 0; index < BUCKETS; index++) {
      const count = this.#counts[index] as number;
      if (count > 0) out.push(index, count);
    }
    out.push(this.#max);
    return out;
  }

  /** A histogram from `toSparse`'s numbers; entries out of range are left out. */
  static fromSparse(sparse: readonly number[]): LatencyHistogram {
    const histogram = new LatencyHistogram();
    // Pairs, then the max: the last element is never a count.
    for (let at = 0; at + 1 < sparse.length - 1; at += 2) {
      const index = sparse[at] as number;
      const count = sparse[at + 1] as number;
      if (!Number.isInteger(index) || index < 0 || index >= BUCKETS || !(count > 0)) continue;
      histogram.#counts[index] = (histogram.#counts[index] as number) + count;
      histogram.#count += count;
    }
    const max = sparse.at(-1);
    if (histogram.#count > 0 && typeof max === 'number' && Number.isFinite(max))
      histogram.#max = Math.max(0, max);
    return histogram;
  }
}
