import { availableParallelism } from 'node:os';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, loadConfig, type SluiceConfig } from '../../src/config/index.ts';
import { isSluiceError } from '../../src/errors/index.ts';
import { PLAINTEXT } from './plaintext.ts';

function failure(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env, { cpus: 4 });
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}

const DEFAULTS: SluiceConfig = {
  brokers: undefined,
  topics: undefined,
  groupId: 'sluice',
  clientId: 'sluice',
  ...PLAINTEXT,
  job: 'aggregate',
  sink: { type: 'console' },
  sinkCompression: 'none',
  sinkMaxBatchBytes: 1_048_576,
  trigger: 'micro-batch',
  batchIntervalMs: 1000,
  commitIntervalMs: 1000,
  sessionTimeoutMs: 30_000,
  workers: 3,
  startingOffsets: 'committed',
  valueFormat: 'json',
  keyField: 'url',
  valueField: undefined,
  agg: 'count',
  windowMs: undefined,
  slideMs: undefined,
  windowType: undefined,
  sessionGapMs: undefined,
  time: 'processing',
  timestampField: undefined,
  allowedLatenessMs: 0,
  emit: 'final',
  idleTimeoutMs: 30_000,
  maxEventTimeAheadMs: 3_600_000,
  onLateRecord: 'count',
  checkpointDir: undefined,
  checkpointIntervalMs: 10_000,
  sinkRetryTimeoutMs: 60_000,
  kafkaRetryTimeoutMs: 60_000,
  guarantee: 'at-least-once',
  onDecodeError: 'fail',
  dlqTopic: undefined,
  generatorPartitions: 4,
  generatorRate: undefined,
  generatorEvents: 250_000,
  generatorSeed: 42,
  maxRecordsPerBatch: 100_000,
  maxBytesPerBatch: 64 * 1024 * 1024,
  maxBufferedBytesPerPartition: 16 * 1024 * 1024,
  fetchMaxBytes: 50 * 1024 * 1024,
  maxPartitionFetchBytes: 1024 * 1024,
  backpressure: false,
  backpressureInitialRate: undefined,
  backpressureMinRate: 100,
  maxRatePerPartition: undefined,
  latencyTimestampField: undefined,
  targetLatencyMs: undefined,
  httpEnabled: true,
  httpPort: undefined,
  httpHost: '127.0.0.1',
  httpAllowedHosts: [],
  logLevel: 'info',
  shutdownTimeoutMs: 30_000,
  stallTimeoutMs: 300_000,
  readyBatchTimeoutMs: 30_000,
  failureExitDelayMs: 0,
  native: 'auto',
};

describe('loadConfig: defaults', () => {
  it('gives every default for an empty environment', () => {
    const config = loadConfig({}, { cpus: 4 });
    expect(config).toStrictEqual(DEFAULTS);
    expect(Object.keys(config)).toEqual(Object.keys(DEFAULTS));
  });

  it('ignores variables without the SLUICE_ prefix', () => {
    expect(loadConfig({ PATH: '/bin', sluice_workers: '0', KAFKA_BROKERS: 'x' }, { cpus: 4 })).toStrictEqual(
      DEFAULTS,
    );
  });

  it('treats empty and blank values as unset', () => {
    const env = { SLUICE_WORKERS: '', SLUICE_TRIGGER: '   ', SLUICE_BROKERS: '', SLUICE_AGG: '' };
    expect(loadConfig(env, { cpus: 4 })).toStrictEqual(DEFAULTS);
  });

  it('defaults workers to CPUs - 1, at least 1', () => {
    expect(loadConfig({}, { cpus: 1 }).workers).toBe(1);
    expect(loadConfig({}, { cpus: 2 }).workers).toBe(1);
    expect(loadConfig({}, { cpus: 16 }).workers).toBe(15);
    expect(loadConfig({}).workers).toBe(Math.max(1, availableParallelism() - 1));
  });
});

describe('loadConfig: valid values', () => {
  it('parses every variable', () => {
    const env = {
      SLUICE_BROKERS: 'kafka-1:9092, kafka-2:19092 ,[::1]:9093',
      SLUICE_TOPICS: 'clicks, views',
      SLUICE_GROUP_ID: 'g1',
      SLUICE_CLIENT_ID: 'c1',
      SLUICE_JOB: './jobs/top-urls.ts',
      SLUICE_SINK: 'kafka:out.topic_1',
      SLUICE_SINK_COMPRESSION: 'zstd',
      SLUICE_TRIGGER: 'continuous',
      SLUICE_BATCH_INTERVAL_MS: '250',
      SLUICE_COMMIT_INTERVAL_MS: '5000',
      SLUICE_SESSION_TIMEOUT_MS: '10000',
      SLUICE_WORKERS: '12',
      SLUICE_STARTING_OFFSETS: 'earliest',
      SLUICE_VALUE_FORMAT: 'string',
      SLUICE_KEY_FIELD: 'user',
      SLUICE_VALUE_FIELD: 'bytes',
      SLUICE_AGG: 'avg',
      SLUICE_WINDOW_MS: '10000',
      SLUICE_SLIDE_MS: '2000',
      SLUICE_WINDOW_TYPE: 'sliding',
      SLUICE_TIME: 'event',
      SLUICE_TIMESTAMP_FIELD: 'ts',
      SLUICE_ALLOWED_LATENESS_MS: '5000',
      SLUICE_EMIT: 'update',
      SLUICE_IDLE_TIMEOUT_MS: '60000',
      SLUICE_MAX_EVENT_TIME_AHEAD_MS: '0',
      SLUICE_ON_LATE_RECORD: 'dlq',
      SLUICE_CHECKPOINT_DIR: '/var/lib/sluice',
      SLUICE_CHECKPOINT_INTERVAL_MS: '5000',
      SLUICE_SINK_RETRY_TIMEOUT_MS: '0',
      SLUICE_KAFKA_RETRY_TIMEOUT_MS: '5000',
      SLUICE_GUARANTEE: 'exactly-once',
      SLUICE_ON_DECODE_ERROR: 'dlq',
      SLUICE_DLQ_TOPIC: 'clicks.dlq',
      SLUICE_GENERATOR_PARTITIONS: '1024',
      SLUICE_GENERATOR_RATE: '50000',
      SLUICE_GENERATOR_EVENTS: '0',
      SLUICE_GENERATOR_SEED: '-7',
      SLUICE_MAX_RECORDS_PER_BATCH: '1',
      SLUICE_MAX_BYTES_PER_BATCH: '1',
      SLUICE_MAX_BUFFERED_BYTES_PER_PARTITION: '1',
      SLUICE_FETCH_MAX_BYTES: '2',
      SLUICE_MAX_PARTITION_FETCH_BYTES: '3',
      SLUICE_BACKPRESSURE: 'true',
      SLUICE_BACKPRESSURE_INITIAL_RATE: '5000',
      SLUICE_BACKPRESSURE_MIN_RATE: '10',
      SLUICE_MAX_RATE_PER_PARTITION: '2000',
      SLUICE_TARGET_LATENCY_MS: '150',
      SLUICE_LATENCY_TIMESTAMP_FIELD: 'sentAt',
      SLUICE_HTTP_ENABLED: 'false',
      SLUICE_HTTP_PORT: '65535',
      SLUICE_HTTP_HOST: '0.0.0.0',
      SLUICE_HTTP_ALLOWED_HOSTS: 'sluice.example.com, .svc.cluster.local',
      SLUICE_LOG_LEVEL: 'silent',
      SLUICE_SHUTDOWN_TIMEOUT_MS: '1',
      SLUICE_STALL_TIMEOUT_MS: '5001',
      SLUICE_READY_BATCH_TIMEOUT_MS: '7000',
      SLUICE_FAILURE_EXIT_DELAY_MS: '600000',
      SLUICE_NATIVE: 'off',
      SLUICE_SINK_MAX_BATCH_BYTES: '4096',
    };
    expect(loadConfig(env, { cpus: 4 })).toStrictEqual({
      brokers: ['kafka-1:9092', 'kafka-2:19092', '[::1]:9093'],
      topics: { type: 'list', topics: ['clicks', 'views'] },
      groupId: 'g1',
      clientId: 'c1',
      ...PLAINTEXT,
      job: './jobs/top-urls.ts',
      sink: { type: 'kafka', topic: 'out.topic_1' },
      sinkCompression: 'zstd',
      sinkMaxBatchBytes: 4096,
      trigger: 'continuous',
      batchIntervalMs: 250,
      commitIntervalMs: 5000,
      sessionTimeoutMs: 10_000,
      workers: 12,
      startingOffsets: 'earliest',
      valueFormat: 'string',
      keyField: 'user',
      valueField: 'bytes',
      agg: 'avg',
      windowMs: 10_000,
      slideMs: 2000,
      windowType: 'sliding',
      sessionGapMs: undefined,
      time: 'event',
      timestampField: 'ts',
      allowedLatenessMs: 5000,
      emit: 'update',
      idleTimeoutMs: 60_000,
      maxEventTimeAheadMs: 0,
      onLateRecord: 'dlq',
      checkpointDir: '/var/lib/sluice',
      checkpointIntervalMs: 5000,
      sinkRetryTimeoutMs: 0,
      kafkaRetryTimeoutMs: 5000,
      guarantee: 'exactly-once',
      onDecodeError: 'dlq',
      dlqTopic: 'clicks.dlq',
      generatorPartitions: 1024,
      generatorRate: 50_000,
      generatorEvents: 0,
      generatorSeed: -7,
      maxRecordsPerBatch: 1,
      maxBytesPerBatch: 1,
      maxBufferedBytesPerPartition: 1,
      fetchMaxBytes: 2,
      maxPartitionFetchBytes: 3,
      backpressure: true,
      backpressureInitialRate: 5000,
      backpressureMinRate: 10,
      maxRatePerPartition: 2000,
      latencyTimestampField: 'sentAt',
      targetLatencyMs: 150,
      httpEnabled: false,
      httpPort: 65535,
      httpHost: '0.0.0.0',
      httpAllowedHosts: ['sluice.example.com', '.svc.cluster.local'],
      logLevel: 'silent',
      shutdownTimeoutMs: 1,
      stallTimeoutMs: 5001,
      readyBatchTimeoutMs: 7000,
      failureExitDelayMs: 600_000,
      native: 'off',
    } satisfies SluiceConfig);
  });

  it('lets SLUICE_STALL_TIMEOUT_MS=0 turn the watchdog off whatever the retry timeouts and interval', () => {
    const env = { SLUICE_STALL_TIMEOUT_MS: '0', SLUICE_BATCH_INTERVAL_MS: '600000' };
    expect(loadConfig(env, { cpus: 4 }).stallTimeoutMs).toBe(0);
  });

  it('compares SLUICE_STALL_TIMEOUT_MS with the batch interval only for the micro-batch trigger', () => {
    const env = { SLUICE_STALL_TIMEOUT_MS: '90000', SLUICE_BATCH_INTERVAL_MS: '120000' };
    expect(() => loadConfig(env, { cpus: 4 })).toThrow(ConfigError);
    const continuous = loadConfig({ ...env, SLUICE_TRIGGER: 'continuous' }, { cpus: 4 });
    expect(continuous.stallTimeoutMs).toBe(90_000);
  });

  it('parses a /regex/ as a topic pattern', () => {
    const config = loadConfig({ SLUICE_BROKERS: 'k:9092', SLUICE_TOPICS: '/^clicks-\\d+$/' }, { cpus: 4 });
    expect(config.topics).toStrictEqual({ type: 'pattern', pattern: /^clicks-\d+$/ });
    if (config.topics?.type !== 'pattern') throw new Error('expected a pattern');
    expect(config.topics.pattern.test('clicks-12')).toBe(true);
    expect(config.topics.pattern.test('views-12')).toBe(false);
  });

  it('parses the file and console sinks, trimming the directory', () => {
    expect(loadConfig({ SLUICE_SINK: 'file: /data/out ' }, { cpus: 4 }).sink).toStrictEqual({
      type: 'file',
      dir: '/data/out',
    });
    expect(loadConfig({ SLUICE_SINK: ' console ' }, { cpus: 4 }).sink).toStrictEqual({ type: 'console' });
  });

  it('accepts each allowed word of every enumerated variable', () => {
    const cases: [string, keyof SluiceConfig, readonly string[]][] = [
      ['SLUICE_TRIGGER', 'trigger', ['micro-batch', 'continuous', 'available-now']],
      ['SLUICE_STARTING_OFFSETS', 'startingOffsets', ['committed', 'earliest', 'latest']],
      ['SLUICE_VALUE_FORMAT', 'valueFormat', ['json', 'string', 'bytes']],
      ['SLUICE_ON_DECODE_ERROR', 'onDecodeError', ['fail', 'skip', 'dlq']],
      ['SLUICE_LOG_LEVEL', 'logLevel', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']],
      ['SLUICE_NATIVE', 'native', ['auto', 'off']],
      ['SLUICE_SINK_COMPRESSION', 'sinkCompression', ['none', 'gzip', 'snappy', 'lz4', 'zstd']],
      ['SLUICE_ON_LATE_RECORD', 'onLateRecord', ['count', 'dlq']],
    ];
    for (const [name, field, words] of cases) {
      for (const word of words) {
        const config = loadConfig({ [name]: word, SLUICE_DLQ_TOPIC: 'dlq' }, { cpus: 4 });
        expect(config[field]).toBe(word);
      }
    }
    for (const agg of ['count', 'sum', 'min', 'max', 'avg']) {
      expect(loadConfig({ SLUICE_AGG: agg, SLUICE_VALUE_FIELD: 'n' }, { cpus: 4 }).agg).toBe(agg);
    }
  });

  it('accepts job names and module paths', () => {
    for (const job of ['aggregate', 'top-k', 'jobs/count.js', '/abs/job.mts', 'job.mjs']) {
      expect(loadConfig({ SLUICE_JOB: job }, { cpus: 4 }).job).toBe(job);
    }
  });

  it('reads process.env by default', () => {
    vi.stubEnv('SLUICE_BATCH_INTERVAL_MS', '2500');
    expect(loadConfig().batchIntervalMs).toBe(2500);
  });

  afterEach(() => {
    vi.unstubAllEnvs();
  });
});

describe('loadConfig: result', () => {
  it('is deeply frozen', () => {
    const config = loadConfig(
      { SLUICE_BROKERS: 'a:1,b:2', SLUICE_TOPICS: 'x,y', SLUICE_SINK: 'file:/tmp/out' },
      { cpus: 4 },
    );
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.brokers)).toBe(true);
    expect(Object.isFrozen(config.topics)).toBe(true);
    expect(Object.isFrozen(config.sink)).toBe(true);
    if (config.topics?.type !== 'list') throw new Error('expected a list');
    expect(Object.isFrozen(config.topics.topics)).toBe(true);
    expect(() => {
      (config as { workers: number }).workers = 99;
    }).toThrow(TypeError);
  });

  it('freezes a topic pattern without breaking it', () => {
    const config = loadConfig({ SLUICE_BROKERS: 'a:1', SLUICE_TOPICS: '/^a/' }, { cpus: 4 });
    if (config.topics?.type !== 'pattern') throw new Error('expected a pattern');
    expect(Object.isFrozen(config.topics.pattern)).toBe(true);
    expect([config.topics.pattern.test('ab'), config.topics.pattern.test('ba')]).toEqual([true, false]);
  });
});

describe('loadConfig: errors', () => {
  it('reports every problem at once in one SLUICE_CONFIG_INVALID error', () => {
    const error = failure({
      SLUICE_BROKERS: 'kafka:9092',
      SLUICE_WORKERS: '0',
      SLUICE_TRIGGER: 'fast',
      SLUICE_AGG: 'sum',
      SLUICE_HTTP_PORT: '70000',
      SLUICE_TRIGER: 'continuous',
    });
    const problems = [
      'SLUICE_TRIGGER must be one of micro-batch, continuous, available-now; got "fast"',
      'SLUICE_WORKERS must be an integer >= 1; got "0"',
      'SLUICE_HTTP_PORT must be an integer from 0 to 65535; got "70000"',
      'SLUICE_VALUE_FIELD is required when SLUICE_AGG=sum',
      'SLUICE_TRIGER is not a Sluice variable; did you mean SLUICE_TRIGGER?',
    ];
    expect(error.problems).toEqual(problems);
    expect(error.message).toBe(problems.join('\n'));
    expect(error.code).toBe('SLUICE_CONFIG_INVALID');
    expect(error.name).toBe('ConfigError');
    expect(isSluiceError(error, 'SLUICE_CONFIG_INVALID')).toBe(true);
    expect(Object.isFrozen(error.problems)).toBe(true);
  });

  it('suggests the nearest variable for a typo', () => {
    expect(failure({ SLUICE_WORKER: '2', SLUICE_BATCH_INTERVAL: '5', SLUICE_GROUPID: 'g' }).problems).toEqual(
      [
        'SLUICE_BATCH_INTERVAL is not a Sluice variable; did you mean SLUICE_BATCH_INTERVAL_MS?',
        'SLUICE_GROUPID is not a Sluice variable; did you mean SLUICE_GROUP_ID?',
        'SLUICE_WORKER is not a Sluice variable; did you mean SLUICE_WORKERS?',
      ],
    );
  });

  it('suggests development variables too', () => {
    expect(failure({ SLUICE_TEST_BROKER: 'k:9092' }).problems).toEqual([
      'SLUICE_TEST_BROKER is not a Sluice variable; did you mean SLUICE_TEST_BROKERS?',
    ]);
  });

  it('rejects an unknown variable even when it is empty', () => {
    expect(failure({ SLUICE_TRIGER: '' }).problems).toEqual([
      'SLUICE_TRIGER is not a Sluice variable; did you mean SLUICE_TRIGGER?',
    ]);
  });

  it('accepts the development and test variables', () => {
    const env = {
      SLUICE_TEST_BROKERS: 'localhost:9092',
      SLUICE_KAFKA_DIR: '/tmp/k',
      SLUICE_KAFKA_VERSION: '4.3.1',
      SLUICE_CACHE_DIR: '/tmp/cache',
    };
    expect(loadConfig(env, { cpus: 4 })).toStrictEqual(DEFAULTS);
  });
});

describe('benchmark variables', () => {
  it('accepts SLUICE_BENCH_BROKERS, which npm run bench passes on to the runs it starts', () => {
    expect(loadConfig({ SLUICE_BENCH_BROKERS: '127.0.0.1:9092' }, { cpus: 4 }).workers).toBe(3);
  });
});

describe('session windows of the aggregate job', () => {
  it('SLUICE_WINDOW_TYPE=session with a gap and event time: no window length, no slide', () => {
    const config = loadConfig(
      { SLUICE_WINDOW_TYPE: 'session', SLUICE_SESSION_GAP_MS: '30000', SLUICE_TIME: 'event' },
      { cpus: 4 },
    );
    expect([config.windowType, config.sessionGapMs, config.windowMs, config.slideMs, config.time]).toEqual([
      'session',
      30_000,
      undefined,
      undefined,
      'event',
    ]);
  });

  it('without SLUICE_WINDOW_TYPE, windows stay tumbling or sliding as SLUICE_SLIDE_MS says', () => {
    const config = loadConfig({ SLUICE_WINDOW_MS: '10000', SLUICE_SLIDE_MS: '2000' }, { cpus: 4 });
    expect([config.windowType, config.windowMs, config.slideMs]).toEqual([undefined, 10_000, 2000]);
  });
});
