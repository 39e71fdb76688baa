// The configuration's types: SluiceConfig and the allowed values of each enumerated variable.

import type { Secret } from './secret.ts';

// The allowed values of each enumerated variable, in the order the docs list them (default first).
export const TRIGGERS = ['micro-batch', 'continuous', 'available-now'] as const;
export const STARTING_OFFSETS = ['committed', 'earliest', 'latest'] as const;
export const VALUE_FORMATS = ['json', 'string', 'bytes'] as const;
export const AGGREGATIONS = ['count', 'sum', 'min', 'max', 'avg'] as const;
export const DECODE_ERROR_POLICIES = ['fail', 'skip', 'dlq'] as const;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const NATIVE_MODES = ['auto', 'off'] as const;
export const COMPRESSIONS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
export const TIME_MODES = ['processing', 'event'] as const;
export const WINDOW_TYPES = ['tumbling', 'sliding', 'session'] as const;
export const EMIT_MODES = ['final', 'update'] as const;
export const LATE_POLICIES = ['count', 'dlq'] as const;
export const GUARANTEES = ['at-least-once', 'exactly-once'] as const;
export const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;

/** When batches run: on an interval, record by record, or once over what the topics hold at start. */
export type Trigger = (typeof TRIGGERS)[number];
/** Where reading starts in each partition. */
export type StartingOffsets = (typeof STARTING_OFFSETS)[number];
/** How record values are decoded before the job sees them. */
export type ValueFormat = (typeof VALUE_FORMATS)[number];
/** The aggregation of the built-in `aggregate` job. */
export type Aggregation = (typeof AGGREGATIONS)[number];
/** What happens to a record whose value cannot be decoded. */
export type DecodeErrorPolicy = (typeof DECODE_ERROR_POLICIES)[number];
export type LogLevel = (typeof LOG_LEVELS)[number];
/** Whether native addons may be used (`auto`) or only the pure-TypeScript fallbacks (`off`). */
export type NativeMode = (typeof NATIVE_MODES)[number];
/** A Kafka compression codec by its `compression.type` name. */
export type Compression = (typeof COMPRESSIONS)[number];

/** Which clock windows run on: batch time, or the records' own timestamps with a watermark. */
export type TimeMode = (typeof TIME_MODES)[number];
/** The `aggregate` job's windows: fixed (tumbling, sliding) or per-key sessions cut by gaps of event time. */
export type WindowType = (typeof WINDOW_TYPES)[number];
/** When event-time windows emit: once when they close, or after every batch that changed them. */
export type EmitMode = (typeof EMIT_MODES)[number];
/** What happens to late records besides being counted and logged. */
export type LatePolicy = (typeof LATE_POLICIES)[number];
export type Guarantee = (typeof GUARANTEES)[number];
/** A SASL mechanism by its kafkajs name (Kafka's `PLAIN`, `SCRAM-SHA-256`, `SCRAM-SHA-512`). */
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

/** The Kafka security variables, which every client (`run`, `produce`, the tools) applies. */
export interface KafkaSecurityConfig {
  /** `SLUICE_KAFKA_SSL`: connect with TLS. */
  readonly kafkaSsl: boolean;
  /** PEM file of the CAs that sign the brokers' certificates; unset: Node's public CAs. */
  readonly kafkaSslCaFile: string | undefined;
  /** PEM client certificate, for brokers with `ssl.client.auth=required`; always with the key. */
  readonly kafkaSslCertFile: string | undefined;
  readonly kafkaSslKeyFile: string | undefined;
  readonly kafkaSslKeyPassphrase: Secret | undefined;
  /** The contents of `SLUICE_KAFKA_SSL_KEY_PASSPHRASE_FILE`, read at load. */
  readonly kafkaSslKeyPassphraseFile: Secret | undefined;
  /** `SLUICE_KAFKA_SSL_INSECURE=true`: no check of the brokers' certificates (a loud warning). */
  readonly kafkaSslInsecure: boolean;
  readonly kafkaSaslMechanism: SaslMechanism | undefined;
  /** Always set when `kafkaSaslMechanism` is. */
  readonly kafkaSaslUsername: string | undefined;
  readonly kafkaSaslPassword: Secret | undefined;
  /** The contents of `SLUICE_KAFKA_SASL_PASSWORD_FILE`, read at load. */
  readonly kafkaSaslPasswordFile: Secret | undefined;
}

/**
 * Where results go: `SLUICE_SINK=console`, `file:<dir>`, `kafka:<topic>` or
 * `postgres://user@host:port/db?table=<table>` (`url` is the connection without `table`).
 */
export type SinkConfig =
  | { readonly type: 'console' }
  | { readonly type: 'file'; readonly dir: string }
  | { readonly type: 'kafka'; readonly topic: string }
  | { readonly type: 'postgres'; readonly url: string; readonly table: string };

/** The input topics: `SLUICE_TOPICS=a,b` is a list, `SLUICE_TOPICS=/regex/` a pattern. */
export type TopicSelection =
  | { readonly type: 'list'; readonly topics: readonly string[] }
  | { readonly type: 'pattern'; readonly pattern: RegExp };

/**
 * The validated configuration, one field per `SLUICE_*` variable (see docs/configuration.md).
 * Deeply frozen. Optional variables that are unset are `undefined`, never missing keys.
 */
export interface SluiceConfig extends KafkaSecurityConfig {
  /** `SLUICE_BROKERS`; `undefined` means: run on the built-in generator source. */
  readonly brokers: readonly string[] | undefined;
  /**
   * `SLUICE_TOPICS`. In a run, every topic the job reads: the app adds its named inputs' topics
   * (`withInputTopics`), and requires SLUICE_TOPICS when the job reads `ctx.stream()`.
   */
  readonly topics: TopicSelection | undefined;
  readonly groupId: string;
  readonly clientId: string;
  /** A built-in job name or the path of a `.ts`/`.js` job module, as given. */
  readonly job: string;
  readonly sink: SinkConfig;
  /** Compression of the batches the Kafka sink writes. */
  readonly sinkCompression: Compression;
  readonly trigger: Trigger;
  readonly batchIntervalMs: number;
  readonly commitIntervalMs: number;
  readonly sessionTimeoutMs: number;
  readonly workers: number;
  readonly startingOffsets: StartingOffsets;
  readonly valueFormat: ValueFormat;
  readonly keyField: string;
  /** Always set unless `agg` is `count`. */
  readonly valueField: string | undefined;
  readonly agg: Aggregation;
  /** `SLUICE_WINDOW_MS`; unset: the aggregate job aggregates each batch on its own. */
  readonly windowMs: number | undefined;
  /** Always set when `windowMs` is: `SLUICE_SLIDE_MS`, or the window. */
  readonly slideMs: number | undefined;
  /** `SLUICE_WINDOW_TYPE`; unset: tumbling or sliding, as `slideMs` says. */
  readonly windowType: WindowType | undefined;
  /** `SLUICE_SESSION_GAP_MS`: set exactly when `windowType` is `session`. */
  readonly sessionGapMs: number | undefined;
  readonly time: TimeMode;
  /** Unset: event time is the Kafka record timestamp. */
  readonly timestampField: string | undefined;
  readonly allowedLatenessMs: number;
  readonly emit: EmitMode;
  readonly idleTimeoutMs: number;
  /** A record whose event time is further ahead of the batch time than this is a decode error. */
  readonly maxEventTimeAheadMs: number;
  readonly onLateRecord: LatePolicy;
  /** `SLUICE_CHECKPOINT_DIR`; unset: no checkpoints, offsets committed after every batch. */
  readonly checkpointDir: string | undefined;
  readonly checkpointIntervalMs: number;
  readonly sinkRetryTimeoutMs: number;
  /** Per partition per produce request of the Kafka sink (uncompressed estimate). */
  readonly sinkMaxBatchBytes: number;
  /** How long commits, changelog writes and the consumer may go without the brokers. */
  readonly kafkaRetryTimeoutMs: number;
  readonly guarantee: Guarantee;
  readonly onDecodeError: DecodeErrorPolicy;
  /** Always set when `onDecodeError` is `dlq`. */
  readonly dlqTopic: string | undefined;
  readonly generatorPartitions: number;
  /**
   * Events per second over all partitions; 0 means as fast as possible. Undefined: the default,
   * `DEFAULT_GENERATOR_RATE`, or as fast as possible under available-now (`generatorRate()`).
   */
  readonly generatorRate: number | undefined;
  /** Events per partition the generator holds for the `available-now` trigger. */
  readonly generatorEvents: number;
  readonly generatorSeed: number;
  /** Per partition per batch. */
  readonly maxRecordsPerBatch: number;
  /** Over all partitions per batch (at least one record of each partition with records waiting). */
  readonly maxBytesPerBatch: number;
  /** Where fetching of a partition pauses until batches have taken half. */
  readonly maxBufferedBytesPerPartition: number;
  readonly fetchMaxBytes: number;
  readonly maxPartitionFetchBytes: number;
  /** SLUICE_BACKPRESSURE: batches follow the PID rate estimate. */
  readonly backpressure: boolean;
  /** Records per second over all partitions before the first estimate; undefined: unlimited. */
  readonly backpressureInitialRate: number | undefined;
  readonly backpressureMinRate: number;
  /** Records per second per partition; undefined: unlimited. */
  readonly maxRatePerPartition: number | undefined;
  /** SLUICE_LATENCY_TIMESTAMP_FIELD: the value's field latency counts from; undefined: the Kafka timestamp. */
  readonly latencyTimestampField: string | undefined;
  /** SLUICE_TARGET_LATENCY_MS: the p99 end-to-end latency the latency tuner holds; undefined: off. */
  readonly targetLatencyMs: number | undefined;
  /** SLUICE_HTTP_ENABLED: whether `sluice run` starts the admin HTTP server. */
  readonly httpEnabled: boolean;
  /** Undefined: DEFAULT_HTTP_PORT, or the next free one (`httpPorts()`); 0: one the system picks. */
  readonly httpPort: number | undefined;
  readonly httpHost: string;
  /** Host header names answered besides localhost, IP addresses and httpHost. */
  readonly httpAllowedHosts: readonly string[];
  readonly logLevel: LogLevel;
  readonly shutdownTimeoutMs: number;
  /** No batch completing for this long while data waits exits 1; 0: never. */
  readonly stallTimeoutMs: number;
  /** A batch in flight longer than this makes the run unready. */
  readonly readyBatchTimeoutMs: number;
  /** How long a failed run stays up, unready, before it exits 1. */
  readonly failureExitDelayMs: number;
  readonly native: NativeMode;
}

export interface LoadConfigOptions {
  /** CPUs to size the default `workers` by; defaults to `os.availableParallelism()`. */
  readonly cpus?: number;
}
