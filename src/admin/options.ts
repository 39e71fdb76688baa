/** How many finished batches `/api/batches` keeps (Spark's UI keeps 1000; ours is a JSON answer). */
export const BATCH_HISTORY_SIZE = 100;

/** Histogram buckets of batch delays and durations, in seconds: 5 ms to 2 minutes. */
export const DELAY_BUCKETS_SECONDS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120,
] as const;

/** Buckets of records' end-to-end latency, in seconds: 1 ms to 2 minutes, finer where the targets lie. */
export const LATENCY_BUCKETS_SECONDS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120,
] as const;

/** Lag is read from Kafka at scrape time, at most this often; scrapes in between get the last figures. */
export const LAG_MAX_AGE_MS = 1_000;

/** A scrape waits this long for Kafka's offsets, then answers with the last figures it has. */
export const LAG_TIMEOUT_MS = 2_000;

export const METRIC_PREFIX = 'sluice_';
