import { describe, expect, it } from 'vitest';
import { configProblems } from '../support/config-problems.ts';

// One test per validation message, each asserting the complete list of problems (piscina's
// test/option-validation). BROKERS/TOPICS cases set the other one so only the tested line appears.
const problems = (env: Record<string, string>): readonly string[] => configProblems(env, 4);

const TOPIC_RULE = 'a Kafka topic name (up to 249 ASCII letters, digits, ".", "_" and "-")';
const WITH_TOPICS = { SLUICE_TOPICS: 'clicks' };
const WITH_BROKERS = { SLUICE_BROKERS: 'localhost:9092' };

const cases: [name: string, env: Record<string, string>, message: string][] = [
  [
    'SLUICE_BROKERS with an empty entry',
    { SLUICE_BROKERS: 'a:1,,b:2', ...WITH_TOPICS },
    'SLUICE_BROKERS must not contain empty entries; got "a:1,,b:2"',
  ],
  [
    'SLUICE_BROKERS entry without a port',
    { SLUICE_BROKERS: 'a:9092, kafka', ...WITH_TOPICS },
    'SLUICE_BROKERS entry "kafka" must be host:port with a port from 1 to 65535; got "a:9092, kafka"',
  ],
  [
    'SLUICE_BROKERS entry with a port out of range',
    { SLUICE_BROKERS: 'kafka:65536', ...WITH_TOPICS },
    'SLUICE_BROKERS entry "kafka:65536" must be host:port with a port from 1 to 65535; got "kafka:65536"',
  ],
  [
    'SLUICE_BROKERS entry with port 0',
    { SLUICE_BROKERS: 'kafka:0', ...WITH_TOPICS },
    'SLUICE_BROKERS entry "kafka:0" must be host:port with a port from 1 to 65535; got "kafka:0"',
  ],
  [
    'SLUICE_TOPICS with an empty entry',
    { SLUICE_TOPICS: 'a,', ...WITH_BROKERS },
    'SLUICE_TOPICS must not contain empty entries; got "a,"',
  ],
  [
    'SLUICE_TOPICS entry that is not a topic name',
    { SLUICE_TOPICS: 'clicks,page views', ...WITH_BROKERS },
    `SLUICE_TOPICS entry "page views" must be ${TOPIC_RULE}; got "clicks,page views"`,
  ],
  [
    'SLUICE_TOPICS starting with / but not a /regex/',
    { SLUICE_TOPICS: '/clicks', ...WITH_BROKERS },
    'SLUICE_TOPICS must be a comma-separated list of topic names or a /regex/; got "/clicks"',
  ],
  [
    'SLUICE_TOPICS with an empty /regex/',
    { SLUICE_TOPICS: '//', ...WITH_BROKERS },
    'SLUICE_TOPICS must be a comma-separated list of topic names or a /regex/; got "//"',
  ],
  [
    'SLUICE_TOPICS with a regex that does not compile',
    { SLUICE_TOPICS: '/clicks-[0-9/', ...WITH_BROKERS },
    'SLUICE_TOPICS pattern must be a valid JavaScript regular expression; got "/clicks-[0-9/"',
  ],
  [
    'SLUICE_JOB that is neither a name nor a module',
    { SLUICE_JOB: 'jobs/top.py' },
    'SLUICE_JOB must be a built-in job name or the path of a job module (.ts, .mts, .js or .mjs); got "jobs/top.py"',
  ],
  [
    'SLUICE_SINK of an unknown kind',
    { SLUICE_SINK: 'stdout' },
    'SLUICE_SINK must be console, file:<dir>, kafka:<topic> or postgres://…?table=<table>; got "stdout"',
  ],
  [
    'SLUICE_SINK file: without a directory',
    { SLUICE_SINK: 'file: ' },
    'SLUICE_SINK must be console, file:<dir>, kafka:<topic> or postgres://…?table=<table>; got "file: "',
  ],
  [
    'SLUICE_SINK kafka: with a bad topic',
    { SLUICE_SINK: 'kafka:a/b', ...WITH_BROKERS, ...WITH_TOPICS },
    `SLUICE_SINK topic "a/b" must be ${TOPIC_RULE}; got "kafka:a/b"`,
  ],
  [
    'SLUICE_SINK_COMPRESSION',
    { SLUICE_SINK_COMPRESSION: 'brotli' },
    'SLUICE_SINK_COMPRESSION must be one of none, gzip, snappy, lz4, zstd; got "brotli"',
  ],
  [
    'SLUICE_TRIGGER',
    { SLUICE_TRIGGER: 'fast' },
    'SLUICE_TRIGGER must be one of micro-batch, continuous, available-now; got "fast"',
  ],
  [
    'SLUICE_BATCH_INTERVAL_MS',
    { SLUICE_BATCH_INTERVAL_MS: '1.5' },
    'SLUICE_BATCH_INTERVAL_MS must be an integer >= 1; got "1.5"',
  ],
  [
    'SLUICE_COMMIT_INTERVAL_MS',
    { SLUICE_COMMIT_INTERVAL_MS: '-1' },
    'SLUICE_COMMIT_INTERVAL_MS must be an integer >= 1; got "-1"',
  ],
  [
    'SLUICE_SESSION_TIMEOUT_MS',
    { SLUICE_SESSION_TIMEOUT_MS: '3000' },
    'SLUICE_SESSION_TIMEOUT_MS must be an integer from 6000 to 300000; got "3000"',
  ],
  ['SLUICE_WORKERS below 1', { SLUICE_WORKERS: '0' }, 'SLUICE_WORKERS must be an integer >= 1; got "0"'],
  [
    'SLUICE_WORKERS not a number',
    { SLUICE_WORKERS: 'two' },
    'SLUICE_WORKERS must be an integer >= 1; got "two"',
  ],
  [
    'SLUICE_WORKERS beyond a safe integer',
    { SLUICE_WORKERS: '9007199254740993' },
    'SLUICE_WORKERS must be an integer >= 1; got "9007199254740993"',
  ],
  [
    'SLUICE_WORKERS quoted with the spaces given',
    { SLUICE_WORKERS: ' 0 ' },
    'SLUICE_WORKERS must be an integer >= 1; got " 0 "',
  ],
  [
    'SLUICE_STARTING_OFFSETS',
    { SLUICE_STARTING_OFFSETS: 'beginning' },
    'SLUICE_STARTING_OFFSETS must be one of committed, earliest, latest; got "beginning"',
  ],
  [
    'SLUICE_VALUE_FORMAT',
    { SLUICE_VALUE_FORMAT: 'avro' },
    'SLUICE_VALUE_FORMAT must be one of json, string, bytes; got "avro"',
  ],
  [
    'SLUICE_AGG',
    { SLUICE_AGG: 'median' },
    'SLUICE_AGG must be one of count, sum, min, max, avg; got "median"',
  ],
  [
    'SLUICE_WINDOW_MS below 1',
    { SLUICE_WINDOW_MS: '0' },
    'SLUICE_WINDOW_MS must be an integer >= 1; got "0"',
  ],
  [
    'SLUICE_WINDOW_MS with a unit',
    { SLUICE_WINDOW_MS: '10s' },
    'SLUICE_WINDOW_MS must be an integer >= 1; got "10s"',
  ],
  [
    'SLUICE_SLIDE_MS',
    { SLUICE_WINDOW_MS: '10000', SLUICE_SLIDE_MS: '0' },
    'SLUICE_SLIDE_MS must be an integer >= 1; got "0"',
  ],
  ['SLUICE_TIME', { SLUICE_TIME: 'wall' }, 'SLUICE_TIME must be one of processing, event; got "wall"'],
  [
    'SLUICE_ALLOWED_LATENESS_MS',
    { SLUICE_WINDOW_MS: '10000', SLUICE_TIME: 'event', SLUICE_ALLOWED_LATENESS_MS: '-1' },
    'SLUICE_ALLOWED_LATENESS_MS must be an integer >= 0; got "-1"',
  ],
  [
    'SLUICE_EMIT',
    { SLUICE_WINDOW_MS: '10000', SLUICE_EMIT: 'always' },
    'SLUICE_EMIT must be one of final, update; got "always"',
  ],
  [
    'SLUICE_IDLE_TIMEOUT_MS',
    { SLUICE_IDLE_TIMEOUT_MS: '0' },
    'SLUICE_IDLE_TIMEOUT_MS must be an integer >= 1; got "0"',
  ],
  [
    'SLUICE_ON_LATE_RECORD',
    { SLUICE_ON_LATE_RECORD: 'drop' },
    'SLUICE_ON_LATE_RECORD must be one of count, dlq; got "drop"',
  ],
  [
    'SLUICE_ON_DECODE_ERROR',
    { SLUICE_ON_DECODE_ERROR: 'ignore' },
    'SLUICE_ON_DECODE_ERROR must be one of fail, skip, dlq; got "ignore"',
  ],
  [
    'SLUICE_DLQ_TOPIC',
    { SLUICE_DLQ_TOPIC: 'dead letters' },
    `SLUICE_DLQ_TOPIC must be ${TOPIC_RULE}; got "dead letters"`,
  ],
  [
    'SLUICE_DLQ_TOPIC that is too long',
    { SLUICE_DLQ_TOPIC: 'x'.repeat(250) },
    `SLUICE_DLQ_TOPIC must be ${TOPIC_RULE}; got "${'x'.repeat(250)}"`,
  ],
  [
    'SLUICE_GENERATOR_PARTITIONS above 1024',
    { SLUICE_GENERATOR_PARTITIONS: '1025' },
    'SLUICE_GENERATOR_PARTITIONS must be an integer from 1 to 1024; got "1025"',
  ],
  [
    'SLUICE_GENERATOR_PARTITIONS below 1',
    { SLUICE_GENERATOR_PARTITIONS: '0' },
    'SLUICE_GENERATOR_PARTITIONS must be an integer from 1 to 1024; got "0"',
  ],
  [
    'SLUICE_GENERATOR_RATE',
    { SLUICE_GENERATOR_RATE: '-5' },
    'SLUICE_GENERATOR_RATE must be an integer >= 0; got "-5"',
  ],
  [
    'SLUICE_GENERATOR_EVENTS',
    { SLUICE_GENERATOR_EVENTS: '1e6' },
    'SLUICE_GENERATOR_EVENTS must be an integer >= 0; got "1e6"',
  ],
  [
    'SLUICE_GENERATOR_SEED',
    { SLUICE_GENERATOR_SEED: '4.2' },
    'SLUICE_GENERATOR_SEED must be an integer; got "4.2"',
  ],
  [
    'SLUICE_MAX_RECORDS_PER_BATCH',
    { SLUICE_MAX_RECORDS_PER_BATCH: '0' },
    'SLUICE_MAX_RECORDS_PER_BATCH must be an integer >= 1; got "0"',
  ],
  [
    'SLUICE_HTTP_ENABLED',
    { SLUICE_HTTP_ENABLED: 'off' },
    'SLUICE_HTTP_ENABLED must be true or false; got "off"',
  ],
  [
    'SLUICE_HTTP_PORT above 65535',
    { SLUICE_HTTP_PORT: '65536' },
    'SLUICE_HTTP_PORT must be an integer from 0 to 65535; got "65536"',
  ],
  [
    'SLUICE_HTTP_PORT below 0',
    { SLUICE_HTTP_PORT: '-1' },
    'SLUICE_HTTP_PORT must be an integer from 0 to 65535; got "-1"',
  ],
  [
    'SLUICE_HTTP_ALLOWED_HOSTS entry with a port',
    { SLUICE_HTTP_ALLOWED_HOSTS: 'sluice.example.com, admin:4040' },
    'SLUICE_HTTP_ALLOWED_HOSTS entry "admin:4040" must be a host name such as sluice.example.com, or .example.com for a domain and its subdomains (no scheme, no port); got "sluice.example.com, admin:4040"',
  ],
  [
    'SLUICE_HTTP_ALLOWED_HOSTS with an empty entry',
    { SLUICE_HTTP_ALLOWED_HOSTS: 'a,,b' },
    'SLUICE_HTTP_ALLOWED_HOSTS must not contain empty entries; got "a,,b"',
  ],
  [
    'SLUICE_LOG_LEVEL',
    { SLUICE_LOG_LEVEL: 'verbose' },
    'SLUICE_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent; got "verbose"',
  ],
  [
    'SLUICE_SHUTDOWN_TIMEOUT_MS',
    { SLUICE_SHUTDOWN_TIMEOUT_MS: '0' },
    'SLUICE_SHUTDOWN_TIMEOUT_MS must be an integer >= 1; got "0"',
  ],
  [
    'SLUICE_STALL_TIMEOUT_MS',
    { SLUICE_STALL_TIMEOUT_MS: '-1' },
    'SLUICE_STALL_TIMEOUT_MS must be an integer >= 0; got "-1"',
  ],
  [
    'SLUICE_STALL_TIMEOUT_MS within a retry timeout, with Kafka',
    { SLUICE_STALL_TIMEOUT_MS: '60000', ...WITH_BROKERS, ...WITH_TOPICS, SLUICE_SINK_RETRY_TIMEOUT_MS: '0' },
    'SLUICE_STALL_TIMEOUT_MS must be 0 (off) or greater than SLUICE_SINK_RETRY_TIMEOUT_MS (0) and SLUICE_KAFKA_RETRY_TIMEOUT_MS (60000), so that a retry that gives up stops the run with its own error; got 60000',
  ],
  [
    'SLUICE_STALL_TIMEOUT_MS within the sink retry timeout, on the generator',
    { SLUICE_STALL_TIMEOUT_MS: '5000', SLUICE_SINK_RETRY_TIMEOUT_MS: '5000' },
    'SLUICE_STALL_TIMEOUT_MS must be 0 (off) or greater than SLUICE_SINK_RETRY_TIMEOUT_MS (5000), so that a retry that gives up stops the run with its own error; got 5000',
  ],
  [
    'SLUICE_STALL_TIMEOUT_MS within the micro-batch interval',
    { SLUICE_STALL_TIMEOUT_MS: '90000', SLUICE_BATCH_INTERVAL_MS: '90000' },
    'SLUICE_STALL_TIMEOUT_MS must be 0 (off) or greater than SLUICE_BATCH_INTERVAL_MS (90000): records wait up to one interval for their batch; got 90000',
  ],
  [
    'SLUICE_FAILURE_EXIT_DELAY_MS',
    { SLUICE_FAILURE_EXIT_DELAY_MS: '-1' },
    'SLUICE_FAILURE_EXIT_DELAY_MS must be an integer from 0 to 600000; got "-1"',
  ],
  ['SLUICE_NATIVE', { SLUICE_NATIVE: 'on' }, 'SLUICE_NATIVE must be one of auto, off; got "on"'],
  [
    'SLUICE_BROKERS entry',
    { SLUICE_BROKERS: 'localhost' },
    'SLUICE_BROKERS entry "localhost" must be host:port with a port from 1 to 65535; got "localhost"',
  ],
  [
    'SLUICE_GUARANTEE value',
    { SLUICE_GUARANTEE: 'exactly_once' },
    'SLUICE_GUARANTEE must be one of at-least-once, exactly-once; got "exactly_once"',
  ],
  [
    'SLUICE_BROKERS required by exactly-once',
    { SLUICE_GUARANTEE: 'exactly-once' },
    'SLUICE_GUARANTEE=exactly-once needs SLUICE_BROKERS: the generator source has no offsets',
  ],
  [
    'SLUICE_BROKERS required by a Kafka sink',
    { SLUICE_SINK: 'kafka:results' },
    'SLUICE_BROKERS is required when SLUICE_SINK=kafka:results',
  ],
  [
    'SLUICE_VALUE_FIELD required by sum',
    { SLUICE_AGG: 'sum' },
    'SLUICE_VALUE_FIELD is required when SLUICE_AGG=sum',
  ],
  [
    'SLUICE_VALUE_FIELD required by min',
    { SLUICE_AGG: 'min' },
    'SLUICE_VALUE_FIELD is required when SLUICE_AGG=min',
  ],
  [
    'SLUICE_VALUE_FIELD required by max',
    { SLUICE_AGG: 'max' },
    'SLUICE_VALUE_FIELD is required when SLUICE_AGG=max',
  ],
  [
    'SLUICE_VALUE_FIELD required by avg',
    { SLUICE_AGG: 'avg' },
    'SLUICE_VALUE_FIELD is required when SLUICE_AGG=avg',
  ],
  [
    'SLUICE_VALUE_FIELD required even when set to an empty value',
    { SLUICE_AGG: 'sum', SLUICE_VALUE_FIELD: '' },
    'SLUICE_VALUE_FIELD is required when SLUICE_AGG=sum',
  ],
  [
    'SLUICE_DLQ_TOPIC required by the dlq policy',
    { SLUICE_ON_DECODE_ERROR: 'dlq' },
    'SLUICE_DLQ_TOPIC is required when SLUICE_ON_DECODE_ERROR=dlq',
  ],
  [
    'SLUICE_DLQ_TOPIC required by the late-record dlq policy',
    { SLUICE_ON_LATE_RECORD: 'dlq' },
    'SLUICE_DLQ_TOPIC is required when SLUICE_ON_LATE_RECORD=dlq',
  ],
  [
    'the estimator variables without backpressure',
    { SLUICE_BACKPRESSURE_INITIAL_RATE: '1000', SLUICE_BACKPRESSURE_MIN_RATE: '10' },
    'SLUICE_BACKPRESSURE_INITIAL_RATE needs SLUICE_BACKPRESSURE=true\n' +
      'SLUICE_BACKPRESSURE_MIN_RATE needs SLUICE_BACKPRESSURE=true',
  ],
  [
    'topics without brokers (it would run the generator instead)',
    { SLUICE_TOPICS: 'clicks' },
    'SLUICE_TOPICS needs SLUICE_BROKERS: without brokers Sluice runs its built-in generator, which reads no topic',
  ],
  [
    'SLUICE_TARGET_LATENCY_MS value',
    { SLUICE_TARGET_LATENCY_MS: '1e3' },
    'SLUICE_TARGET_LATENCY_MS must be an integer >= 1; got "1e3"',
  ],
  [
    'a latency target for a run that reads what there is and exits',
    { SLUICE_TARGET_LATENCY_MS: '200', SLUICE_TRIGGER: 'available-now' },
    'SLUICE_TARGET_LATENCY_MS needs SLUICE_TRIGGER=micro-batch or continuous, not available-now',
  ],
  [
    'SLUICE_MAX_RATE_PER_PARTITION value',
    { SLUICE_MAX_RATE_PER_PARTITION: '0' },
    'SLUICE_MAX_RATE_PER_PARTITION must be an integer >= 1; got "0"',
  ],
  ['SLUICE_SLIDE_MS without a window', { SLUICE_SLIDE_MS: '1000' }, 'SLUICE_SLIDE_MS needs SLUICE_WINDOW_MS'],
  [
    'SLUICE_TIMESTAMP_FIELD without a window',
    { SLUICE_TIMESTAMP_FIELD: 'ts' },
    'SLUICE_TIMESTAMP_FIELD needs SLUICE_WINDOW_MS',
  ],
  [
    'SLUICE_ALLOWED_LATENESS_MS without a window',
    { SLUICE_ALLOWED_LATENESS_MS: '1000' },
    'SLUICE_ALLOWED_LATENESS_MS needs SLUICE_WINDOW_MS',
  ],
  ['SLUICE_EMIT without a window', { SLUICE_EMIT: 'update' }, 'SLUICE_EMIT needs SLUICE_WINDOW_MS'],
  [
    'SLUICE_TIME=event without a window',
    { SLUICE_TIME: 'event' },
    'SLUICE_TIME=event needs SLUICE_WINDOW_MS',
  ],
  [
    'an invalid SLUICE_WINDOW_MS is reported once, not as missing',
    { SLUICE_WINDOW_MS: 'x', SLUICE_SLIDE_MS: '1000' },
    'SLUICE_WINDOW_MS must be an integer >= 1; got "x"',
  ],
  [
    'SLUICE_SLIDE_MS longer than the window',
    { SLUICE_WINDOW_MS: '1000', SLUICE_SLIDE_MS: '2000' },
    'SLUICE_SLIDE_MS must be at most SLUICE_WINDOW_MS (1000); got 2000',
  ],
  [
    'SLUICE_TIMESTAMP_FIELD on processing time',
    { SLUICE_WINDOW_MS: '10000', SLUICE_TIMESTAMP_FIELD: 'ts' },
    'SLUICE_TIMESTAMP_FIELD applies only to SLUICE_TIME=event',
  ],
  [
    'SLUICE_ALLOWED_LATENESS_MS on processing time',
    { SLUICE_WINDOW_MS: '10000', SLUICE_TIME: 'processing', SLUICE_ALLOWED_LATENESS_MS: '0' },
    'SLUICE_ALLOWED_LATENESS_MS applies only to SLUICE_TIME=event',
  ],
  [
    'SLUICE_WINDOW_MS not a multiple of the default batch interval',
    { SLUICE_WINDOW_MS: '2500' },
    'SLUICE_WINDOW_MS must be a multiple of SLUICE_BATCH_INTERVAL_MS (1000); got 2500',
  ],
  [
    'SLUICE_WINDOW_MS not a multiple of SLUICE_BATCH_INTERVAL_MS',
    { SLUICE_WINDOW_MS: '3000', SLUICE_BATCH_INTERVAL_MS: '2000' },
    'SLUICE_WINDOW_MS must be a multiple of SLUICE_BATCH_INTERVAL_MS (2000); got 3000',
  ],
  [
    'SLUICE_SLIDE_MS not a multiple of SLUICE_BATCH_INTERVAL_MS',
    { SLUICE_WINDOW_MS: '10000', SLUICE_SLIDE_MS: '1500' },
    'SLUICE_SLIDE_MS must be a multiple of SLUICE_BATCH_INTERVAL_MS (1000); got 1500',
  ],
  [
    'SLUICE_WINDOW_TYPE value',
    { SLUICE_WINDOW_TYPE: 'hopping', SLUICE_SESSION_GAP_MS: '1000' },
    'SLUICE_WINDOW_TYPE must be one of tumbling, sliding, session; got "hopping"',
  ],
  [
    'SLUICE_WINDOW_TYPE=session without a gap',
    { SLUICE_WINDOW_TYPE: 'session', SLUICE_TIME: 'event' },
    'SLUICE_SESSION_GAP_MS is required when SLUICE_WINDOW_TYPE=session',
  ],
  [
    'SLUICE_WINDOW_TYPE=session on processing time',
    { SLUICE_WINDOW_TYPE: 'session', SLUICE_SESSION_GAP_MS: '30000' },
    'SLUICE_WINDOW_TYPE=session needs SLUICE_TIME=event: sessions are cut by gaps in event time, not batch time',
  ],
  [
    'SLUICE_WINDOW_MS and SLUICE_SLIDE_MS with sessions',
    {
      SLUICE_WINDOW_TYPE: 'session',
      SLUICE_SESSION_GAP_MS: '30000',
      SLUICE_TIME: 'event',
      SLUICE_WINDOW_MS: '60000',
      SLUICE_SLIDE_MS: '1000',
    },
    'SLUICE_WINDOW_MS does not apply to SLUICE_WINDOW_TYPE=session: a session ends after SLUICE_SESSION_GAP_MS without records of its key\n' +
      'SLUICE_SLIDE_MS does not apply to SLUICE_WINDOW_TYPE=session: a session ends after SLUICE_SESSION_GAP_MS without records of its key',
  ],
  [
    'SLUICE_SESSION_GAP_MS of 0',
    { SLUICE_WINDOW_TYPE: 'session', SLUICE_SESSION_GAP_MS: '0', SLUICE_TIME: 'event' },
    'SLUICE_SESSION_GAP_MS must be an integer from 1 to 8640000000000000; got "0"',
  ],
  [
    'SLUICE_SESSION_GAP_MS negative',
    { SLUICE_WINDOW_TYPE: 'session', SLUICE_SESSION_GAP_MS: '-5', SLUICE_TIME: 'event' },
    'SLUICE_SESSION_GAP_MS must be an integer from 1 to 8640000000000000; got "-5"',
  ],
  [
    'SLUICE_SESSION_GAP_MS beyond a Date',
    { SLUICE_WINDOW_TYPE: 'session', SLUICE_SESSION_GAP_MS: '1e300', SLUICE_TIME: 'event' },
    'SLUICE_SESSION_GAP_MS must be an integer from 1 to 8640000000000000; got "1e300"',
  ],
  [
    'SLUICE_SESSION_GAP_MS without sessions',
    { SLUICE_WINDOW_MS: '10000', SLUICE_SESSION_GAP_MS: '1000' },
    'SLUICE_SESSION_GAP_MS applies only to SLUICE_WINDOW_TYPE=session',
  ],
  [
    'SLUICE_WINDOW_TYPE=tumbling without a window',
    { SLUICE_WINDOW_TYPE: 'tumbling' },
    'SLUICE_WINDOW_TYPE=tumbling needs SLUICE_WINDOW_MS',
  ],
  [
    'SLUICE_WINDOW_TYPE=tumbling with another slide',
    { SLUICE_WINDOW_TYPE: 'tumbling', SLUICE_WINDOW_MS: '10000', SLUICE_SLIDE_MS: '2000' },
    'SLUICE_SLIDE_MS must be unset or equal to SLUICE_WINDOW_MS (10000) with SLUICE_WINDOW_TYPE=tumbling; got 2000',
  ],
  [
    'SLUICE_WINDOW_TYPE=sliding without a slide',
    { SLUICE_WINDOW_TYPE: 'sliding', SLUICE_WINDOW_MS: '10000' },
    'SLUICE_WINDOW_TYPE=sliding needs SLUICE_SLIDE_MS',
  ],
  [
    'unknown variable with a suggestion',
    { SLUICE_TRIGER: 'continuous' },
    'SLUICE_TRIGER is not a Sluice variable; did you mean SLUICE_TRIGGER?',
  ],
  [
    'unknown variable without a suggestion',
    { SLUICE_COLOUR: 'blue' },
    'SLUICE_COLOUR is not a Sluice variable',
  ],
];

describe('loadConfig validation messages', () => {
  it.each(cases)('%s', (_name, env, message) => {
    expect(problems(env)).toEqual(message.split('\n'));
  });
});
