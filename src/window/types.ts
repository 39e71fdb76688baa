/** What a window aggregation emits per (window, key): epoch-ms bounds, `windowEnd` exclusive. */
export type WindowResult<K = unknown, V = unknown> = {
  readonly key: K;
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly value: V;
};

/**
 * In `update` mode, a session that is no more: a record extended it or bridged it with another,
 * so the session with these bounds was replaced (Kafka Streams' tombstone for a merged session).
 */
export type SessionRetraction<K = unknown> = {
  readonly key: K;
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly value: null;
  readonly retracted: true;
};

/** What a session window aggregation emits: a session's value, or (update mode) a retraction. */
export type SessionResult<K = unknown, V = unknown> = WindowResult<K, V> | SessionRetraction<K>;

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
