/** A synthetic click event, like Spark's rate source but shaped like web traffic. */
export type ClickEvent = {
  readonly ts: number;
  readonly user: string;
  readonly url: string;
  readonly status: number;
  readonly bytes: number;
  readonly latencyMs: number;
};

export type GeneratorSpec = {
  readonly seed: number;
  readonly partitions: number;
  /** Event time of offset 0 (epoch ms); each partition advances 10 ms per record. */
  readonly baseTime?: number;
};

export const GENERATOR_TOPIC = 'generator';
/** The most bytes one event takes as JSON: what it counts for against SLUICE_MAX_BYTES_PER_BATCH. */
export const CLICK_EVENT_BYTES = 92;
const BASE_TIME = Date.UTC(2026, 0, 1);
const STEP_MS = 10;
const URLS = 1000;
const USERS = 10_000;

/** SplitMix32-style finaliser: a stateless hash, so any record is reproducible from (seed, partition, offset). */
function mix(x: number): number {
  let h = x | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * The event at `offset` of `partition`: deterministic for a seed. URLs are skewed (a few are
 * hot), 90 % of statuses are 200.
 */
export function clickAt(spec: GeneratorSpec, partition: number, offset: number): ClickEvent {
  const h1 = mix(spec.seed ^ mix(partition * 0x9e3779b1 + offset));
  const h2 = mix(h1 + 0x6d2b79f5);
  const h3 = mix(h2 + 0x6d2b79f5);
  // Squaring a uniform draw skews towards low page numbers.
  const u = (h1 & 0xffff) / 0x10000;
  const page = Math.floor(u * u * URLS);
  const roll = h2 % 100;
  return {
    ts: (spec.baseTime ?? BASE_TIME) + offset * STEP_MS,
    user: `u${(h2 >>> 8) % USERS}`,
    url: `/p/${page}`,
    status: roll < 90 ? 200 : roll < 97 ? 404 : 500,
    bytes: 100 + (h3 % 9900),
    latencyMs: 1 + ((h3 >>> 16) % 500),
  };
}
