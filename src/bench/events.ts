// The benchmark's events: JSON click-like values of a chosen size, keys drawn from a Zipf law, all from a seed.

import { seededRandom } from '../core/index.ts';

export type EventShape = {
  /** Distinct keys (the `url` field, also the Kafka record key). */
  readonly keys: number;
  /** Zipf exponent of the keys' popularity: 0 is uniform, 1 is the classic long tail. */
  readonly keySkew: number;
  /** Each value's size in bytes (at least what the fields need). */
  readonly valueBytes: number;
  readonly seed: number;
};

export type BenchEvent = { readonly key: string; readonly value: string };

/**
 * Events as the benchmark produces them: `{"ts", "url", "user", "status", "bytes", "pad"}` padded
 * to `valueBytes`, keyed by `url` (so Kafka's partitioner spreads them as the keys fall). The
 * built-in `aggregate` job groups by `url` by default; `ts` serves event-time windows.
 */
export class EventSource {
  readonly #random: () => number;
  /** Cumulative popularity of key i: a draw is a binary search. */
  readonly #cumulative: Float64Array;
  readonly #shape: EventShape;

  constructor(shape: EventShape) {
    this.#shape = shape;
    this.#random = seededRandom(shape.seed);
    this.#cumulative = new Float64Array(shape.keys);
    let total = 0;
    for (let i = 0; i < shape.keys; i++) {
      total += 1 / (i + 1) ** shape.keySkew;
      this.#cumulative[i] = total;
    }
    for (let i = 0; i < shape.keys; i++) this.#cumulative[i] = (this.#cumulative[i] as number) / total;
  }

  /** The index of a key drawn from the Zipf law. */
  keyIndex(): number {
    const draw = this.#random();
    let low = 0;
    let high = this.#cumulative.length - 1;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((this.#cumulative[mid] as number) < draw) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  /** The next event, with event time `ts` (epoch ms). */
  next(ts: number): BenchEvent {
    const key = `/p/${this.keyIndex()}`;
    const random = this.#random;
    const body = `{"ts":${ts},"url":"${key}","user":"u${Math.floor(random() * 10_000)}","status":${random() < 0.9 ? 200 : 500},"bytes":${100 + Math.floor(random() * 9900)},"pad":"`;
    const pad = Math.max(0, this.#shape.valueBytes - body.length - 2);
    return { key, value: `${body}${'x'.repeat(pad)}"}` };
  }
}
