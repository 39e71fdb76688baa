// The schema of every SLUICE_* variable (parser, default, description) and the rules between variables.

import {
  brokerList,
  choice,
  type Field,
  flag,
  hostNameList,
  integer,
  job,
  optionalChoice,
  optionalInteger,
  optionalText,
  optionalTopic,
  sink,
  text,
  topicSelection,
} from './fields.ts';
import { DEFAULT_GENERATOR_RATE } from './generator-rate.ts';
import { DEFAULT_HTTP_PORT, HTTP_PORT_TRIES } from './http-port.ts';
import type { ConfigEnv, ConfigOption, VariableDoc } from './option-types.ts';
import { securityOptions, securityProblems } from './security.ts';
import {
  AGGREGATIONS,
  COMPRESSIONS,
  DECODE_ERROR_POLICIES,
  EMIT_MODES,
  GUARANTEES,
  LATE_POLICIES,
  LOG_LEVELS,
  NATIVE_MODES,
  type SluiceConfig,
  STARTING_OFFSETS,
  TIME_MODES,
  TRIGGERS,
  VALUE_FORMATS,
  WINDOW_TYPES,
} from './types.ts';

const MIB = 1024 * 1024;
const lastDefaultHttpPort = DEFAULT_HTTP_PORT + HTTP_PORT_TRIES - 1;

/** What the schema depends on besides the environment. */
export interface SchemaContext {
  readonly cpus: number;
}

function option<T>(env: string, field: Field<T>, description: string, defaultDoc?: string): ConfigOption<T> {
  return { env, schema: field.schema, type: field.type, default: defaultDoc ?? field.default, description };
}

/** Leave one CPU to the main thread, which fetches from Kafka and merges partials. */
export function defaultWorkers(cpus: number): number {
  return Number.isInteger(cpus) && cpus > 1 ? cpus - 1 : 1;
}

/**
 * The schema: every engine variable in docs order, keyed by its `SluiceConfig` field. `satisfies`
 * keeps the two in step: a missing, extra or differently typed field does not compile.
 */
export function configOptions(context: SchemaContext) {
  return {
    brokers: option(
      'SLUICE_BROKERS',
      brokerList(),
      'Kafka bootstrap brokers. Unset: run on the built-in generator source instead of Kafka.',
    ),
    topics: option(
      'SLUICE_TOPICS',
      topicSelection(),
      "The topics of the job's `ctx.stream()` input: a comma-separated list, or a `/regex/` tested (unanchored) against topic names. Required when `SLUICE_BROKERS` is set and the job reads `ctx.stream()` (a job whose inputs all name their topics, `ctx.stream('orders')`, goes without); an error without `SLUICE_BROKERS`.",
    ),
    groupId: option(
      'SLUICE_GROUP_ID',
      text('string', 'sluice'),
      'Kafka consumer group. Instances with the same group share the partitions of the input topics.',
    ),
    clientId: option(
      'SLUICE_CLIENT_ID',
      text('string', 'sluice'),
      'Client id sent to Kafka; brokers show it in logs and apply quotas by it.',
    ),
    ...securityOptions(),
    job: option(
      'SLUICE_JOB',
      job('aggregate'),
      'Job to run: a built-in job (`aggregate`, or `running-count`: a count per `SLUICE_KEY_FIELD` since the start, in keyed state), or the path of a `.ts`/`.js` job module.',
    ),
    sink: option(
      'SLUICE_SINK',
      sink(),
      'Where results go: standard output, JSON Lines files in `<dir>`, a Kafka topic (needs `SLUICE_BROKERS`), or a PostgreSQL table, upserted by key and window (created if missing; the password is best given as `PGPASSWORD`).',
    ),
    sinkCompression: option(
      'SLUICE_SINK_COMPRESSION',
      choice(COMPRESSIONS, 'none'),
      'Compression of the batches the Kafka sink (`toKafka`, `SLUICE_SINK=kafka:<topic>`) writes. Every codec is read on input whatever this says.',
    ),
    sinkMaxBatchBytes: option(
      'SLUICE_SINK_MAX_BATCH_BYTES',
      integer({ min: 1024 }, MIB),
      "Most bytes (keys, values and record overhead, before compression) of one record batch the Kafka sink writes to a partition: a partition's batch is closed before a record would take it past this (under exactly-once, the transaction's producer gets the rest in further produce requests), so that batches stay under the broker's `message.max.bytes` (default 1 MiB + 12 bytes) and the topic's `max.message.bytes`. A produce request carries at most 16 times this. A record alone larger than this goes in a batch of its own, which the broker may refuse (`SLUICE_SINK_REJECTED`). See docs/sinks.md#kafka.",
      '`1048576` (1 MiB)',
    ),
    trigger: option(
      'SLUICE_TRIGGER',
      choice(TRIGGERS, 'micro-batch'),
      'When batches run: every `SLUICE_BATCH_INTERVAL_MS`; continuously, committing every `SLUICE_COMMIT_INTERVAL_MS`; or once over what the topics hold at start, then exit 0.',
    ),
    batchIntervalMs: option(
      'SLUICE_BATCH_INTERVAL_MS',
      integer({ min: 1 }, 1000),
      'Batch interval of the `micro-batch` trigger, in milliseconds; with `continuous`, how often an idle job with windows or keyed state ticks (one batch without records) so that time moves on.',
    ),
    commitIntervalMs: option(
      'SLUICE_COMMIT_INTERVAL_MS',
      integer({ min: 1 }, 1000),
      'How often the `continuous` trigger commits offsets, in milliseconds.',
    ),
    sessionTimeoutMs: option(
      'SLUICE_SESSION_TIMEOUT_MS',
      integer({ min: 6000, max: 300_000 }, 30_000),
      "Kafka consumer group session timeout, in milliseconds: an instance that sends no heartbeat for this long loses its partitions. Heartbeats continue while a batch runs. Must lie within the broker's group.min/max.session.timeout.ms.",
    ),
    workers: option(
      'SLUICE_WORKERS',
      integer({ min: 1 }, defaultWorkers(context.cpus)),
      'Worker threads that decode records and run the job; each Kafka partition stays on one of them.',
      'CPUs − 1, at least 1',
    ),
    startingOffsets: option(
      'SLUICE_STARTING_OFFSETS',
      choice(STARTING_OFFSETS, 'committed'),
      "Where reading starts: the group's committed offsets, or the start or the end of each partition.",
    ),
    valueFormat: option(
      'SLUICE_VALUE_FORMAT',
      choice(VALUE_FORMATS, 'json'),
      'How record values are decoded: JSON, UTF-8 text, or left as bytes.',
    ),
    keyField: option(
      'SLUICE_KEY_FIELD',
      text('field name', 'url'),
      'Field of the value that the `aggregate` job groups by.',
    ),
    valueField: option(
      'SLUICE_VALUE_FIELD',
      optionalText('field name'),
      'Numeric field of the value that the `aggregate` job aggregates. Required unless `SLUICE_AGG=count`.',
    ),
    agg: option(
      'SLUICE_AGG',
      choice(AGGREGATIONS, 'count'),
      'Aggregation of the `aggregate` job, per key and window.',
    ),
    windowMs: option(
      'SLUICE_WINDOW_MS',
      optionalInteger({ min: 1 }),
      'Window length of the `aggregate` job, in milliseconds. Unset: each batch is aggregated on its own. On processing time it must be a multiple of `SLUICE_BATCH_INTERVAL_MS`.',
    ),
    slideMs: option(
      'SLUICE_SLIDE_MS',
      optionalInteger({ min: 1 }),
      'How far the window moves, in milliseconds: at most `SLUICE_WINDOW_MS`; equal to it for tumbling windows. On processing time it must be a multiple of `SLUICE_BATCH_INTERVAL_MS`.',
      '`SLUICE_WINDOW_MS`',
    ),
    windowType: option(
      'SLUICE_WINDOW_TYPE',
      optionalChoice(WINDOW_TYPES),
      "Windows of the `aggregate` job: `tumbling` or `sliding` (of `SLUICE_WINDOW_MS`), or `session`: per key, records less than `SLUICE_SESSION_GAP_MS` apart in event time, `windowStart` the first one's time and `windowEnd` the last one's plus the gap. Sessions need `SLUICE_TIME=event`.",
      'unset (as `SLUICE_SLIDE_MS` says)',
    ),
    sessionGapMs: option(
      'SLUICE_SESSION_GAP_MS',
      optionalInteger({ min: 1, max: 8_640_000_000_000_000 }),
      'How long a key goes without records, in event-time milliseconds, before its session ends. Required with `SLUICE_WINDOW_TYPE=session`, and only with it.',
    ),
    time: option(
      'SLUICE_TIME',
      choice(TIME_MODES, 'processing'),
      "Clock of the `aggregate` job's windows: batch time (`processing`), or each record's event time with a watermark (`event`).",
    ),
    timestampField: option(
      'SLUICE_TIMESTAMP_FIELD',
      optionalText('field name'),
      'Field of the value holding the event time: epoch milliseconds, or an ISO-8601 text. Unset: the Kafka record timestamp. Only with `SLUICE_TIME=event`.',
      'unset (the Kafka record timestamp)',
    ),
    allowedLatenessMs: option(
      'SLUICE_ALLOWED_LATENESS_MS',
      integer({ min: 0 }, 0),
      'How far event time may run behind the largest seen before a record is late, in milliseconds: the watermark is the largest event time minus this. Only with `SLUICE_TIME=event`.',
    ),
    emit: option(
      'SLUICE_EMIT',
      choice(EMIT_MODES, 'final'),
      'When event-time windows emit: once when the watermark passes their end (`final`), or after every batch that changed them (`update`).',
    ),
    idleTimeoutMs: option(
      'SLUICE_IDLE_TIMEOUT_MS',
      integer({ min: 1 }, 30_000),
      'A partition without records for this long stops holding the event-time watermark back, in milliseconds.',
    ),
    maxEventTimeAheadMs: option(
      'SLUICE_MAX_EVENT_TIME_AHEAD_MS',
      integer({ min: 0 }, 3_600_000),
      "How far a record's event time may be ahead of the batch time (the wall clock when the batch was cut), in milliseconds; a record further ahead is a decode error (`SLUICE_ON_DECODE_ERROR`), so one outlier cannot drag the watermark past every real record. For every event-time job (`withWatermark`, `SLUICE_TIME=event`). The default is Kafka 4's `message.timestamp.after.max.ms`.",
    ),
    onLateRecord: option(
      'SLUICE_ON_LATE_RECORD',
      choice(LATE_POLICIES, 'count'),
      'Late records (older than the watermark) are counted and logged with their origin (`count`), and also written to `SLUICE_DLQ_TOPIC` with their origin in headers (`dlq`).',
    ),
    checkpointDir: option(
      'SLUICE_CHECKPOINT_DIR',
      optionalText('path'),
      "Folder of the state checkpoints (one file per partition, under a folder per group). Unset: no checkpoints; window state lives only in the process. Set: offsets are committed only with a checkpoint that covers them, and a restart restores each partition's state and reads on from its checkpoint. Needs `SLUICE_BROKERS`.",
    ),
    checkpointIntervalMs: option(
      'SLUICE_CHECKPOINT_INTERVAL_MS',
      integer({ min: 1 }, 10_000),
      'How often state is checkpointed (and offsets committed), in milliseconds; also at the end of every run.',
    ),
    sinkRetryTimeoutMs: option(
      'SLUICE_SINK_RETRY_TIMEOUT_MS',
      integer({ min: 0 }, 60_000),
      'How long a failing output is retried, with backoff from 100 ms to 10 s, before the run stops with `SLUICE_SINK`, in milliseconds; `0`: no retry. Meanwhile nothing is committed and fetching pauses once two batches wait.',
    ),
    kafkaRetryTimeoutMs: option(
      'SLUICE_KAFKA_RETRY_TIMEOUT_MS',
      integer({ min: 1000 }, 60_000),
      'How long the brokers may be away (a restart, a network cut) before the run stops with `SLUICE_KAFKA_UNAVAILABLE` naming them, in milliseconds: offset commits, checkpoint changelog writes and dead-letter writes are retried with backoff from 100 ms to 2 s, and the consumer, restarted by kafkajs, must have fetched or rejoined the group within it. Meanwhile no batch runs and nothing is committed.',
    ),
    guarantee: option(
      'SLUICE_GUARANTEE',
      choice(GUARANTEES, 'at-least-once'),
      'What a crash may do to the outputs. `at-least-once`: offsets are committed after the outputs succeeded, so a crash can write some results again. `exactly-once`: never; Kafka outputs go in Kafka transactions that also carry the input offsets and the checkpoints (consumers read with `read_committed`), the PostgreSQL sink stores the offsets in the transaction of the results, the file sink is idempotent by batch id. See docs/exactly-once.md.',
    ),
    onDecodeError: option(
      'SLUICE_ON_DECODE_ERROR',
      choice(DECODE_ERROR_POLICIES, 'fail'),
      'An undecodable record stops the job, naming its topic, partition and offset (`fail`); is counted and skipped (`skip`); or goes to `SLUICE_DLQ_TOPIC` with its origin in headers (`dlq`).',
    ),
    dlqTopic: option(
      'SLUICE_DLQ_TOPIC',
      optionalTopic(),
      "Dead-letter topic for undecodable records (and late records under `SLUICE_ON_LATE_RECORD=dlq`), written with their original bytes and origin headers, each cut to the topic's `max.message.bytes` when larger. Required when `SLUICE_ON_DECODE_ERROR=dlq`.",
    ),
    generatorPartitions: option(
      'SLUICE_GENERATOR_PARTITIONS',
      integer({ min: 1, max: 1024 }, 4),
      'Partitions of the built-in generator source, used when `SLUICE_BROKERS` is unset.',
    ),
    generatorRate: option(
      'SLUICE_GENERATOR_RATE',
      optionalInteger({ min: 0 }),
      `Events per second the generator produces over all partitions; \`0\` means as fast as the slots go. Unset: ${DEFAULT_GENERATOR_RATE.toLocaleString('en-US')} per second, enough to watch a live job without taking a core; under \`available-now\`, as fast as the slots go (its \`SLUICE_GENERATOR_EVENTS\` are all there at the start). Set, it paces every trigger.`,
      `\`${DEFAULT_GENERATOR_RATE}\` (\`0\` under \`available-now\`)`,
    ),
    generatorEvents: option(
      'SLUICE_GENERATOR_EVENTS',
      integer({ min: 0 }, 250_000),
      'Events per partition the generator holds for the `available-now` trigger.',
    ),
    generatorSeed: option(
      'SLUICE_GENERATOR_SEED',
      integer({}, 42),
      "Seed of the generator's pseudo-random events: the same seed gives the same events.",
    ),
    maxRecordsPerBatch: option(
      'SLUICE_MAX_RECORDS_PER_BATCH',
      integer({ min: 1 }, 100_000),
      'Most records one batch takes from one partition; the rest wait for the next batch.',
    ),
    maxBytesPerBatch: option(
      'SLUICE_MAX_BYTES_PER_BATCH',
      integer({ min: 1 }, 64 * MIB),
      "Most bytes of Kafka record batches (as fetched: compressed batches count compressed) one batch takes over all partitions, shared among them by what each holds; the rest wait for the next batch. A record batch larger than this is a batch's only one of its partition, never stuck. Bounds a batch's memory (in this thread, in a worker slot and in the outputs) whatever the record size. See docs/backpressure.md.",
      '`67108864` (64 MiB)',
    ),
    maxBufferedBytesPerPartition: option(
      'SLUICE_MAX_BUFFERED_BYTES_PER_PARTITION',
      integer({ min: 1 }, 16 * MIB),
      'Most bytes of record batches (as fetched: compressed batches count compressed) from one partition waiting for a batch: fetching of the partition pauses there (plus the fetch under way), and resumes once batches have taken it below half. See docs/backpressure.md.',
      '`16777216` (16 MiB)',
    ),
    fetchMaxBytes: option(
      'SLUICE_FETCH_MAX_BYTES',
      integer({ min: 1 }, 50 * MIB),
      "Most bytes one Fetch request asks a broker for, over all its partitions (Kafka's `fetch.max.bytes`). A record batch larger than this still arrives, alone (KIP-74).",
      '`52428800` (50 MiB)',
    ),
    maxPartitionFetchBytes: option(
      'SLUICE_MAX_PARTITION_FETCH_BYTES',
      integer({ min: 1 }, MIB),
      "Most bytes one Fetch request asks for from one partition (Kafka's `max.partition.fetch.bytes`), never more than `SLUICE_MAX_BUFFERED_BYTES_PER_PARTITION`. A record batch larger than this still arrives: the partition is asked for first, with room for it.",
      '`1048576` (1 MiB)',
    ),
    backpressure: option(
      'SLUICE_BACKPRESSURE',
      flag(false),
      "Hold each batch to the rate the job keeps up with, as Spark's `spark.streaming.backpressure.enabled`: after every batch a PID estimator updates the rate from the batch's processing time and scheduling delay, and the next batch takes rate × `SLUICE_BATCH_INTERVAL_MS` records, shared among partitions by backlog. See docs/backpressure.md.",
    ),
    backpressureInitialRate: option(
      'SLUICE_BACKPRESSURE_INITIAL_RATE',
      optionalInteger({ min: 1 }),
      'Records per second, over all partitions, the first batches take before the estimator has measured a batch. Only with `SLUICE_BACKPRESSURE=true`.',
      'unset (no limit until the first estimate)',
    ),
    backpressureMinRate: option(
      'SLUICE_BACKPRESSURE_MIN_RATE',
      integer({ min: 1 }, 100),
      'Records per second, over all partitions, the estimated rate never falls below. Only with `SLUICE_BACKPRESSURE=true`.',
    ),
    maxRatePerPartition: option(
      'SLUICE_MAX_RATE_PER_PARTITION',
      optionalInteger({ min: 1 }),
      "Most records per second read from one partition: a batch takes at most this × `SLUICE_BATCH_INTERVAL_MS` from it. With or without backpressure (Spark's `spark.streaming.kafka.maxRatePerPartition`).",
      'unset (no limit)',
    ),
    latencyTimestampField: option(
      'SLUICE_LATENCY_TIMESTAMP_FIELD',
      optionalText('field name'),
      "Field of the value that each record's end-to-end latency counts from (epoch milliseconds, or an ISO-8601 text), for events that carry the time they happened. Unset: the Kafka record timestamp. A record without the field, or with another type, counts no latency. See docs/operations.md#end-to-end-latency.",
      'unset (the Kafka record timestamp)',
    ),
    targetLatencyMs: option(
      'SLUICE_TARGET_LATENCY_MS',
      optionalInteger({ min: 1 }),
      "The p99 end-to-end latency to hold, in milliseconds: after each batch Sluice shortens the batch interval (micro-batch; between 10 ms and this, starting at `SLUICE_BATCH_INTERVAL_MS` or this, whichever is smaller) and the records per batch (between 100 and `SLUICE_MAX_RECORDS_PER_BATCH`) when the batch's p99 was above it, and lengthens them again while p99 stays under 70 % of it, so that batches are as large as the target allows. Works next to `SLUICE_BACKPRESSURE`. Not with `available-now`; jobs with processing-time windows keep their interval. See docs/tuning.md.",
      'unset (off)',
    ),
    httpEnabled: option(
      'SLUICE_HTTP_ENABLED',
      flag(true),
      'Whether `sluice run` starts the admin HTTP server. `false`: no `/livez`, `/readyz`, `/metrics` or dashboard, so the container healthcheck (which calls `/livez`) fails; run the image with `--no-healthcheck`. See docs/operations.md.',
    ),
    httpPort: option(
      'SLUICE_HTTP_PORT',
      optionalInteger({ min: 0, max: 65535 }),
      `Port of the admin HTTP server. Unset: ${DEFAULT_HTTP_PORT}, or while that is taken the next ones up to ${lastDefaultHttpPort}, as Spark's UI does; the start-up log names the one chosen. Set: that port only, and a taken one stops the start with \`SLUICE_HTTP\`; \`0\`: a free port the system picks, logged. The image sets ${DEFAULT_HTTP_PORT}, where its healthcheck calls \`/livez\`.`,
      `\`${DEFAULT_HTTP_PORT}\`, or up to \`${lastDefaultHttpPort}\` if taken`,
    ),
    httpHost: option(
      'SLUICE_HTTP_HOST',
      text('host', '127.0.0.1'),
      'Address the admin HTTP server binds.',
      '`127.0.0.1` (`0.0.0.0` in the image)',
    ),
    httpAllowedHosts: option(
      'SLUICE_HTTP_ALLOWED_HOSTS',
      hostNameList(),
      'Names the admin HTTP server answers to in the `Host` header besides `localhost`, IP addresses and `SLUICE_HTTP_HOST`: a comma-separated list; `.example.com` allows the domain and its subdomains. Others get `421`, which keeps a web page from reaching the server through DNS rebinding. See docs/operations.md.',
    ),
    logLevel: option(
      'SLUICE_LOG_LEVEL',
      choice(LOG_LEVELS, 'info'),
      'Least severe level that is logged; `silent` logs nothing.',
    ),
    shutdownTimeoutMs: option(
      'SLUICE_SHUTDOWN_TIMEOUT_MS',
      integer({ min: 1 }, 30_000),
      'How long a graceful shutdown (SIGTERM) may take to finish the batch and commit before the process exits anyway, in milliseconds.',
    ),
    stallTimeoutMs: option(
      'SLUICE_STALL_TIMEOUT_MS',
      integer({ min: 0 }, 300_000),
      'No batch completing for this long while data waits (a batch in flight, records fetched and not in a batch) logs what waited, turns `/readyz` 503 and exits 1 with `SLUICE_STALLED`, for a restart, in milliseconds; `0`: never. Must exceed `SLUICE_SINK_RETRY_TIMEOUT_MS`, `SLUICE_KAFKA_RETRY_TIMEOUT_MS` (with Kafka) and the `micro-batch` interval. See docs/operations.md.',
    ),
    readyBatchTimeoutMs: option(
      'SLUICE_READY_BATCH_TIMEOUT_MS',
      integer({ min: 1 }, 30_000),
      'A batch in flight for longer than this turns `/readyz` 503 (`stuck`) until it completes, in milliseconds. See docs/operations.md.',
    ),
    failureExitDelayMs: option(
      'SLUICE_FAILURE_EXIT_DELAY_MS',
      integer({ min: 0, max: 600_000 }, 0),
      'After an error that stops the run (a checkpoint that cannot be written, a sink that keeps failing), how long the process stays up with `/readyz` answering 503 and the error before it exits 1, in milliseconds; lets probes and scrapes see why. See docs/operations.md.',
    ),
    native: option(
      'SLUICE_NATIVE',
      choice(NATIVE_MODES, 'auto'),
      'Native addons for compression: `auto` uses lz4-napi and snappy when they load, else the pure-TypeScript/JavaScript codecs (one log line at start says which); `off` always uses the pure ones. See docs/compression.md.',
    ),
  } satisfies { readonly [K in keyof SluiceConfig]-?: ConfigOption<SluiceConfig[K]> };
}

export type ConfigOptions = ReturnType<typeof configOptions>;

/**
 * Variables for development and tests, read by scripts and the test setup rather than the engine.
 * The loader accepts them, and the docs list them under "Development and tests".
 */
export const DEV_VARIABLES: readonly VariableDoc[] = [
  {
    env: 'SLUICE_TEST_BROKERS',
    type: '`host:port[,host:port…]`',
    default: 'unset',
    description: 'Integration tests use this broker instead of starting their own.',
  },
  {
    env: 'SLUICE_TEST_KAFKA_VERSION',
    type: '`3.x.y` or `4.x.y`',
    default: 'unset',
    description:
      'The version of the broker in `SLUICE_TEST_BROKERS`, for the tests that check the release the dashboard reads from it; unset, they take any release line.',
  },
  {
    env: 'SLUICE_KAFKA_DIR',
    type: 'path',
    default: '`./.kafka`',
    description:
      'Folder of the development broker started by `npm run kafka -- start`: data, config, log, pid.',
  },
  {
    env: 'SLUICE_KAFKA_VERSION',
    type: '`3.x.y` or `4.x.y`',
    default: '`4.3.1`',
    description: 'Apache Kafka release the local broker runs (jars from Maven Central).',
  },
  {
    env: 'SLUICE_CACHE_DIR',
    type: 'path',
    default: '`$XDG_CACHE_HOME/sluice` or `~/.cache/sluice`',
    description: 'Where the Kafka jars (and, in CI, Node 24) are cached between runs.',
  },
  {
    env: 'SLUICE_TEST_KILLS',
    type: 'integer ≥ 11',
    default: '`11`',
    description:
      'How many times the checkpoint integration test kills `sluice run` with SIGKILL (the long version: e.g. `50`).',
  },
  {
    env: 'SLUICE_TEST_PG',
    type: '`postgres://user@host:port/db`',
    default: 'unset',
    description:
      'Integration tests use this PostgreSQL instead of starting a throwaway cluster (scripts/local-postgres).',
  },
  {
    env: 'SLUICE_BENCH_BROKERS',
    type: '`host:port[,host:port…]`',
    default: 'unset',
    description: '`npm run bench` uses this broker instead of starting its own.',
  },
];

/**
 * Rules across variables. They read the normalised environment and the fields that parsed, so a
 * rule speaks only when the variables it depends on are valid (or unset).
 */
export function crossFieldProblems(env: ConfigEnv, parsed: Partial<SluiceConfig>): string[] {
  const problems: string[] = [];
  if (env.SLUICE_TOPICS !== undefined && env.SLUICE_BROKERS === undefined) {
    // Said rather than running the generator, which would look like a job reading the topics.
    problems.push(
      'SLUICE_TOPICS needs SLUICE_BROKERS: without brokers Sluice runs its built-in generator, which reads no topic',
    );
  }
  if (parsed.sink?.type === 'kafka' && env.SLUICE_BROKERS === undefined) {
    problems.push(`SLUICE_BROKERS is required when SLUICE_SINK=${env.SLUICE_SINK}`);
  }
  if (parsed.agg !== undefined && parsed.agg !== 'count' && env.SLUICE_VALUE_FIELD === undefined) {
    problems.push(`SLUICE_VALUE_FIELD is required when SLUICE_AGG=${parsed.agg}`);
  }
  if (parsed.onDecodeError === 'dlq' && env.SLUICE_DLQ_TOPIC === undefined) {
    problems.push('SLUICE_DLQ_TOPIC is required when SLUICE_ON_DECODE_ERROR=dlq');
  }
  if (parsed.onLateRecord === 'dlq' && env.SLUICE_DLQ_TOPIC === undefined) {
    problems.push('SLUICE_DLQ_TOPIC is required when SLUICE_ON_LATE_RECORD=dlq');
  }
  if (env.SLUICE_CHECKPOINT_DIR !== undefined && env.SLUICE_BROKERS === undefined) {
    problems.push(
      'SLUICE_CHECKPOINT_DIR needs SLUICE_BROKERS: the generator source has no offsets to checkpoint',
    );
  }
  return [
    ...problems,
    ...securityProblems(env, parsed),
    ...guaranteeProblems(env, parsed),
    ...backpressureProblems(env, parsed),
    ...targetLatencyProblems(env, parsed),
    ...windowProblems(env, parsed),
    ...stallProblems(env, parsed),
  ];
}

/**
 * A stall timeout a retry budget or the batch interval can reach would end runs that are only
 * waiting as configured, and hide the retry's own error (SLUICE_SINK, SLUICE_KAFKA_UNAVAILABLE).
 */
function stallProblems(env: ConfigEnv, parsed: Partial<SluiceConfig>): string[] {
  const { stallTimeoutMs: stall, sinkRetryTimeoutMs: sink, kafkaRetryTimeoutMs: kafka } = parsed;
  if (!stall) return [];
  const problems: string[] = [];
  const withKafka = env.SLUICE_BROKERS !== undefined;
  if (sink !== undefined && kafka !== undefined && stall <= Math.max(sink, withKafka ? kafka : 0)) {
    const retries = withKafka
      ? `SLUICE_SINK_RETRY_TIMEOUT_MS (${sink}) and SLUICE_KAFKA_RETRY_TIMEOUT_MS (${kafka})`
      : `SLUICE_SINK_RETRY_TIMEOUT_MS (${sink})`;
    problems.push(
      `SLUICE_STALL_TIMEOUT_MS must be 0 (off) or greater than ${retries}, so that a retry that gives up stops the run with its own error; got ${stall}`,
    );
  }
  const { trigger, batchIntervalMs: interval } = parsed;
  if (trigger === 'micro-batch' && interval !== undefined && stall <= interval) {
    problems.push(
      `SLUICE_STALL_TIMEOUT_MS must be 0 (off) or greater than SLUICE_BATCH_INTERVAL_MS (${interval}): records wait up to one interval for their batch; got ${stall}`,
    );
  }
  return problems;
}

/** Exactly-once needs offsets to tie the outputs to (the job's outputs are checked at start). */
function guaranteeProblems(env: ConfigEnv, parsed: Partial<SluiceConfig>): string[] {
  if (parsed.guarantee !== 'exactly-once') return [];
  if (env.SLUICE_BROKERS === undefined) {
    return ['SLUICE_GUARANTEE=exactly-once needs SLUICE_BROKERS: the generator source has no offsets'];
  }
  return [];
}

/** The estimator's variables mean nothing without it: said rather than ignored. */
function backpressureProblems(env: ConfigEnv, parsed: Partial<SluiceConfig>): string[] {
  if (parsed.backpressure !== false) return [];
  return ['SLUICE_BACKPRESSURE_INITIAL_RATE', 'SLUICE_BACKPRESSURE_MIN_RATE']
    .filter((name) => env[name] !== undefined)
    .map((name) => `${name} needs SLUICE_BACKPRESSURE=true`);
}

/** A latency target means nothing to a run that reads what there is and exits. */
function targetLatencyProblems(env: ConfigEnv, parsed: Partial<SluiceConfig>): string[] {
  if (env.SLUICE_TARGET_LATENCY_MS === undefined || parsed.trigger !== 'available-now') return [];
  return ['SLUICE_TARGET_LATENCY_MS needs SLUICE_TRIGGER=micro-batch or continuous, not available-now'];
}

/** The aggregate job's window variables, together (Spark's rules for processing time). */
function windowProblems(env: ConfigEnv, parsed: Partial<SluiceConfig>): string[] {
  // An invalid SLUICE_WINDOW_TYPE has its own problem line: which rules apply is unknown.
  if (env.SLUICE_WINDOW_TYPE !== undefined && parsed.windowType === undefined) return [];
  if (parsed.windowType === 'session') return sessionProblems(env, parsed);
  const problems: string[] = [];
  const { windowMs, slideMs, batchIntervalMs, time } = parsed;
  if (env.SLUICE_SESSION_GAP_MS !== undefined) {
    problems.push('SLUICE_SESSION_GAP_MS applies only to SLUICE_WINDOW_TYPE=session');
  }
  if (env.SLUICE_WINDOW_MS === undefined) {
    for (const name of [
      'SLUICE_SLIDE_MS',
      'SLUICE_TIMESTAMP_FIELD',
      'SLUICE_ALLOWED_LATENESS_MS',
      'SLUICE_EMIT',
    ]) {
      if (env[name] !== undefined) problems.push(`${name} needs SLUICE_WINDOW_MS`);
    }
    if (env.SLUICE_TIME === 'event') problems.push('SLUICE_TIME=event needs SLUICE_WINDOW_MS');
    if (parsed.windowType !== undefined) {
      problems.push(`SLUICE_WINDOW_TYPE=${parsed.windowType} needs SLUICE_WINDOW_MS`);
    }
    return problems;
  }
  // An invalid SLUICE_WINDOW_MS has its own problem line already.
  if (windowMs === undefined) return problems;
  if (slideMs !== undefined && slideMs > windowMs) {
    problems.push(`SLUICE_SLIDE_MS must be at most SLUICE_WINDOW_MS (${windowMs}); got ${slideMs}`);
  }
  if (parsed.windowType === 'tumbling' && slideMs !== undefined && slideMs !== windowMs) {
    problems.push(
      `SLUICE_SLIDE_MS must be unset or equal to SLUICE_WINDOW_MS (${windowMs}) with SLUICE_WINDOW_TYPE=tumbling; got ${slideMs}`,
    );
  }
  if (parsed.windowType === 'sliding' && env.SLUICE_SLIDE_MS === undefined) {
    problems.push('SLUICE_WINDOW_TYPE=sliding needs SLUICE_SLIDE_MS');
  }
  if (time === 'processing') {
    for (const name of ['SLUICE_TIMESTAMP_FIELD', 'SLUICE_ALLOWED_LATENESS_MS']) {
      if (env[name] !== undefined) problems.push(`${name} applies only to SLUICE_TIME=event`);
    }
    if (batchIntervalMs !== undefined) {
      for (const [name, value] of [
        ['SLUICE_WINDOW_MS', windowMs],
        ['SLUICE_SLIDE_MS', slideMs],
      ] as const) {
        if (value !== undefined && value % batchIntervalMs !== 0) {
          problems.push(
            `${name} must be a multiple of SLUICE_BATCH_INTERVAL_MS (${batchIntervalMs}); got ${value}`,
          );
        }
      }
    }
  }
  return problems;
}

/** Sessions are cut by gaps of event time: a gap, event time, and no fixed window length. */
function sessionProblems(env: ConfigEnv, parsed: Partial<SluiceConfig>): string[] {
  const problems: string[] = [];
  if (env.SLUICE_SESSION_GAP_MS === undefined) {
    problems.push('SLUICE_SESSION_GAP_MS is required when SLUICE_WINDOW_TYPE=session');
  }
  if (parsed.time === 'processing') {
    problems.push(
      'SLUICE_WINDOW_TYPE=session needs SLUICE_TIME=event: sessions are cut by gaps in event time, not batch time',
    );
  }
  for (const name of ['SLUICE_WINDOW_MS', 'SLUICE_SLIDE_MS']) {
    if (env[name] !== undefined) {
      problems.push(
        `${name} does not apply to SLUICE_WINDOW_TYPE=session: a session ends after SLUICE_SESSION_GAP_MS without records of its key`,
      );
    }
  }
  return problems;
}
