// A sweep of three configurations, one that failed and the kafkajs reference, with round numbers
// the tests can assert exactly.

import type { BenchResults, ConfigResult, LatencyFigures, RatePoint } from '../../src/bench/index.ts';

function latency(p50: number, p90: number, p99: number, p999: number, max: number): LatencyFigures {
  return {
    count: 1000,
    p50,
    p90,
    p99,
    p999,
    max,
    cdf: [
      [p50 / 2, 0.1],
      [p50, 0.5],
      [p90, 0.9],
      [p99, 0.99],
      [max, 1],
    ],
  };
}

function rate(
  percent: number,
  targetRate: number,
  producedRate: number,
  processed: number,
  figures: LatencyFigures,
): RatePoint {
  const produced = producedRate * 30;
  return {
    percent,
    targetRate,
    producedRate,
    produced,
    processed: processed < 0 ? produced : processed,
    latency: figures,
  };
}

const ALL = -1;

export const continuous: ConfigResult = {
  config: {
    label: 'continuous · 1 slot',
    env: { SLUICE_WORKERS: '1', SLUICE_TRIGGER: 'continuous' },
    axes: { trigger: 'continuous', workers: 1 },
  },
  catchUp: {
    events: 1_000_000,
    processed: [1_000_000, 1_000_000, 1_000_000],
    eventsPerSecond: { median: 250_000, min: 240_000, max: 262_500 },
    cpuSecondsPerMillion: { median: 3.4567, min: 3.3, max: 3.6 },
    peakRssMiB: { median: 512.44, min: 500, max: 530 },
  },
  rates: [
    rate(25, 62_500, 62_480, ALL, latency(1.2, 2.5, 4.75, 9.1, 31.4)),
    rate(50, 125_000, 124_950, ALL, latency(2.04, 6.66, 12.34, 20, 55.55)),
    rate(75, 187_500, 187_000, 5_600_000, latency(9, 30, 48, 70, 120)),
  ],
};

export const microBatch: ConfigResult = {
  config: {
    label: 'micro-batch 100 ms · 2 slots',
    env: { SLUICE_WORKERS: '2', SLUICE_TRIGGER: 'micro-batch', SLUICE_BATCH_INTERVAL_MS: '100' },
    axes: { trigger: 'micro-batch', workers: 2 },
  },
  catchUp: {
    events: 1_000_000,
    processed: [1_000_000, 999_990, 1_000_000],
    eventsPerSecond: { median: 410_000, min: 400_000, max: 425_000 },
    cpuSecondsPerMillion: { median: 2.5, min: 2.4, max: 2.61 },
    peakRssMiB: { median: 700, min: 690, max: 720 },
  },
  rates: [
    rate(25, 102_500, 102_400, ALL, latency(60, 100, 120.5, 150, 210)),
    rate(50, 205_000, 204_800, ALL, latency(70, 130, 180.25, 199.96, 250)),
    rate(75, 307_500, 306_000, ALL, latency(90, 200, 260, 300, 420)),
  ],
};

export const microBatch1s: ConfigResult = {
  config: {
    label: 'micro-batch 1 s · 4 slots',
    env: { SLUICE_WORKERS: '4', SLUICE_TRIGGER: 'micro-batch', SLUICE_BATCH_INTERVAL_MS: '1000' },
    axes: { trigger: 'micro-batch', workers: 4 },
  },
  catchUp: {
    events: 1_000_000,
    processed: [1_000_000, 1_000_000, 1_000_000],
    eventsPerSecond: { median: 800_000, min: 780_000, max: 812_345 },
    cpuSecondsPerMillion: { median: 2.04, min: 2, max: 2.1 },
    peakRssMiB: { median: 1_234.5, min: 1_200, max: 1_250 },
  },
  rates: [
    rate(25, 200_000, 199_990, ALL, latency(600, 900, 1_050, 1_080, 1_200)),
    rate(50, 400_000, 399_800, ALL, latency(610, 950, 1_100.04, 1_150, 1_400)),
    rate(75, 600_000, 598_000, ALL, latency(650, 1_000, 1_300, 1_500, 2_000)),
  ],
};

export const failed: ConfigResult = {
  config: {
    label: 'continuous · 8 slots',
    env: { SLUICE_WORKERS: '8' },
    axes: { trigger: 'continuous', workers: 8 },
  },
  error: 'SLUICE_WORKERS must be at most the cores (4); got 8',
};

export const reference: ConfigResult = {
  config: { label: 'kafkajs 2.2.4 eachBatch', env: {}, axes: {} },
  catchUp: {
    events: 1_000_000,
    processed: [1_000_000, 1_000_000, 1_000_000],
    eventsPerSecond: { median: 95_000, min: 90_000, max: 99_000 },
    cpuSecondsPerMillion: { median: 9.87, min: 9.5, max: 10 },
    peakRssMiB: { median: 180, min: 175, max: 190 },
  },
  rates: [
    rate(25, 23_750, 23_750, ALL, latency(1, 2, 3.1, 5, 9)),
    rate(50, 47_500, 47_400, ALL, latency(2, 4, 8.2, 12, 30)),
  ],
};

/** The results of a whole sweep. */
export const results: BenchResults = {
  version: 1,
  startedAt: '2025-06-01T10:00:00.000Z',
  finishedAt: '2025-06-01T10:42:30.000Z',
  command: 'sluice bench --job examples/jobs/count.ts --events 1000000',
  machine: {
    cpus: 'AMD EPYC 7B13',
    cores: 4,
    memoryGiB: 15.62,
    node: 'v24.1.0',
    sluice: '0.1.0',
    kafka: '4.0.0',
    load: [0.52, 1.234],
  },
  workload: {
    job: 'examples/jobs/count.ts',
    events: 1_000_000,
    partitions: 12,
    valueBytes: 200,
    compression: 'lz4',
    keys: 10_000,
    keySkew: 1.1,
    seed: 42,
    durationSeconds: 30,
  },
  configs: [continuous, microBatch, microBatch1s, failed],
  reference,
};

/** `result` under another label. */
export function relabelled(result: ConfigResult, label: string): ConfigResult {
  return { ...result, config: { ...result.config, label } };
}

/** Labels that are markup in SVG or Markdown, and an object key with a meaning of its own. */
export const HOSTILE_LABELS = ['a<b & "c" \'d\'', '__proto__', 'x|y </text>'] as const;

/** The sweep with every configuration and the reference under hostile labels. */
export const hostile: BenchResults = {
  ...results,
  configs: [
    relabelled(continuous, HOSTILE_LABELS[0]),
    relabelled(microBatch, HOSTILE_LABELS[1]),
    relabelled(microBatch1s, HOSTILE_LABELS[2]),
  ],
  reference: relabelled(reference, 'base|line'),
};

/** `results` without what the latency mode measures. */
export function withoutRates(from: BenchResults): BenchResults {
  const strip = ({ rates: _, ...rest }: ConfigResult): ConfigResult => rest;
  return {
    ...from,
    configs: from.configs.map(strip),
    ...(from.reference === undefined ? {} : { reference: strip(from.reference) }),
  };
}

/** `results` without what the catch-up mode measures. */
export function withoutCatchUp(from: BenchResults): BenchResults {
  const strip = ({ catchUp: _, ...rest }: ConfigResult): ConfigResult => rest;
  return {
    ...from,
    configs: from.configs.map(strip),
    ...(from.reference === undefined ? {} : { reference: strip(from.reference) }),
  };
}
