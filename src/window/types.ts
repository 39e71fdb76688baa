/** What a window aggregation emits per (window, key): epoch-ms bounds, `windowEnd` exclusive. */
export type WindowResult<K = unknown, V = unknown> = {
  readonly key: K;
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly value: V;
};

/** A record an event-time window could not count: its time was older than the watermark. */
export type LateRecord<T = unknown> = {
  readonly topic: string;
  readonly partition: number;
  /** Decimal text: offsets are int64. */
  readonly offset: string;
  readonly eventTime: number;
  readonly watermark: number;
  readonly value: T;
};
