// Latencies in a log-linear histogram (HDR-style, about 3 % wide buckets): recorded without allocation, merged, shifted, read as percentiles.

/** A histogram read in milliseconds: count, mean, p50/p90/p99/p99.9 (each within 3 %) and the exact max. */
export type LatencySummary = {
  readonly count: number;
  readonly meanMs: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
};

/** Microseconds as milliseconds, to the microsecond. */
export const microsToMs = (micros: number): number => Math.round(micros) / 1000;

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
  // clz32 reads the power of two exactly (and fast) up to 2^32 µs, 71 minutes.
  const log2 = micros < 2 ** 32 ? 31 - Math.clz32(micros) : Math.floor(Math.log2(micros));
  const shift = Math.min(MAX_SHIFT, log2 - 5);
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
  #sum = 0;
  #max = 0;

  get count(): number {
    return this.#count;
  }

  /** The sum of the values recorded (exact: shifts included, negative values as 0). */
  get sum(): number {
    return this.#sum;
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
    this.#sum += value * count;
    if (value > this.#max) this.#max = value;
  }

  /** Adds `other`'s counts, each value moved by `shiftMicros`. */
  merge(other: LatencyHistogram, shiftMicros = 0): void {
    const counts = other.#counts;
    const sum = this.#sum + other.#sum + shiftMicros * other.#count;
    // Midpoints placed anew can lie above the max: the max stays exact.
    const max = this.#max;
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
    this.#sum = Math.max(0, sum);
    this.#max = other.#count > 0 ? Math.max(max, Math.floor(other.#max + shiftMicros)) : max;
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

  /**
   * What `later` counted since `earlier`, two reads of the same growing histogram (a window of a
   * run): counts and sum subtracted; the max is `later`'s when it came in the window, else the top
   * of the highest bucket left.
   */
  static between(earlier: LatencyHistogram, later: LatencyHistogram): LatencyHistogram {
    const window = new LatencyHistogram();
    let top = -1;
    for (let index = 0; index < BUCKETS; index++) {
      const count = Math.max(0, (later.#counts[index] as number) - (earlier.#counts[index] as number));
      if (count === 0) continue;
      window.#counts[index] = count;
      window.#count += count;
      top = index;
    }
    if (window.#count === 0) return window;
    window.#sum = Math.max(0, later.#sum - earlier.#sum);
    const { low, width } = bucketRange(top);
    window.#max = later.#max > earlier.#max ? later.#max : Math.min(later.#max, low + width - 1);
    return window;
  }

  /** The histogram in milliseconds; all 0 when empty. */
  summary(): LatencySummary {
    const ms = microsToMs;
    return {
      count: this.#count,
      meanMs: this.#count > 0 ? ms(this.#sum / this.#count) : 0,
      p50Ms: ms(this.percentile(0.5)),
      p90Ms: ms(this.percentile(0.9)),
      p99Ms: ms(this.percentile(0.99)),
      p999Ms: ms(this.percentile(0.999)),
      maxMs: ms(this.#max),
    };
  }

  /** `[bucket, count, …]` of the non-empty buckets, then the sum and the max: small, and plain for msgpack. */
  toSparse(): number[] {
    const out: number[] = [];
    for (let index = 0; index < BUCKETS; index++) {
      const count = this.#counts[index] as number;
      if (count > 0) out.push(index, count);
    }
    out.push(this.#sum, this.#max);
    return out;
  }

  /** A histogram from `toSparse`'s numbers; entries out of range are left out. */
  static fromSparse(sparse: readonly number[]): LatencyHistogram {
    const histogram = new LatencyHistogram();
    // Pairs, then the sum and the max: the last two elements are never a count.
    for (let at = 0; at + 1 < sparse.length - 2; at += 2) {
      const index = sparse[at] as number;
      const count = sparse[at + 1] as number;
      if (!Number.isInteger(index) || index < 0 || index >= BUCKETS || !(count > 0)) continue;
      histogram.#counts[index] = (histogram.#counts[index] as number) + count;
      histogram.#count += count;
    }
    if (histogram.#count === 0) return histogram;
    const [sum, max] = sparse.slice(-2);
    if (typeof sum === 'number' && Number.isFinite(sum)) histogram.#sum = Math.max(0, sum);
    if (typeof max === 'number' && Number.isFinite(max)) histogram.#max = Math.max(0, max);
    return histogram;
  }
}
