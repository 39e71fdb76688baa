import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/args.ts';
import { DEFAULT_COUNT, type ProduceOptions, parseProduceArgs } from '../../src/cli/produce-args.ts';
import { isSluiceError } from '../../src/errors/index.ts';
import { SCENARIO_NAMES } from '../../src/scenarios/index.ts';

const ENV = { SLUICE_BROKERS: 'localhost:9092' };

function options(args: string[], env: NodeJS.ProcessEnv = ENV): ProduceOptions {
  const parsed = parseProduceArgs(args, env);
  if (parsed.help) throw new Error('expected options, got help');
  return parsed.options;
}

// One test per validation message, each asserting the complete list of problems.
function problems(args: string[], env: NodeJS.ProcessEnv = ENV): readonly string[] {
  try {
    parseProduceArgs(args, env);
  } catch (error) {
    if (error instanceof UsageError) {
      expect(isSluiceError(error, 'SLUICE_USAGE')).toBe(true);
      expect(error.message).toBe(error.problems.join('\n'));
      return error.problems;
    }
    throw error;
  }
  throw new Error(`expected a UsageError for ${JSON.stringify(args)}`);
}

describe('sluice produce flags', () => {
  it('fills in the defaults', () => {
    expect(options(['--topic', 'clicks'])).toEqual({
      brokers: ['localhost:9092'],
      topic: 'clicks',
      count: DEFAULT_COUNT,
      partitions: 4,
      partitioner: 'murmur2',
      seed: 42,
      compression: 'none',
      batchSize: 1000,
      key: 'user',
      create: false,
    });
    expect(DEFAULT_COUNT).toBe(10_000);
  });

  it('reads every flag, in both --flag value and --flag=value form', () => {
    const args = [
      '--topic=clicks.v2',
      '--count',
      '500',
      '--rate=250',
      '--duration-ms',
      '3000',
      '--partitions',
      '12',
      '--partitioner',
      'round-robin',
      '--seed',
      '-7',
      '--compression',
      'gzip',
      '--batch-size',
      '64',
      '--key',
      'none',
      '--create',
    ];
    expect(options(args, { SLUICE_BROKERS: ' a:1, b:2 ' })).toEqual({
      brokers: ['a:1', 'b:2'],
      topic: 'clicks.v2',
      count: 500,
      rate: 250,
      durationMs: 3000,
      partitions: 12,
      partitioner: 'round-robin',
      seed: -7,
      compression: 'gzip',
      batchSize: 64,
      key: 'none',
      create: true,
    });
  });

  it('accepts every Kafka compression.type', () => {
    for (const compression of ['none', 'gzip', 'snappy', 'lz4', 'zstd']) {
      expect(options(['--topic', 't', '--compression', compression]).compression).toBe(compression);
    }
  });

  it('has no count limit when --rate or --duration-ms bounds the run', () => {
    expect(options(['--topic', 't', '--rate', '10'])).not.toHaveProperty('count');
    expect(options(['--topic', 't', '--duration-ms', '10'])).not.toHaveProperty('count');
    expect(options(['--topic', 't', '--rate', '10', '--count', '5']).count).toBe(5);
  });

  it('takes the last of a repeated flag', () => {
    expect(options(['--topic', 'a', '--topic', 'b']).topic).toBe('b');
  });

  it('answers --help (or -h) with help, whatever else is wrong', () => {
    expect(parseProduceArgs(['--help'], {})).toEqual({ help: true });
    expect(parseProduceArgs(['--count', 'x', '-h'], {})).toEqual({ help: true });
  });
});

const cases: [name: string, args: string[], message: string][] = [
  ['missing --topic', [], '--topic is required'],
  [
    'bad topic name',
    ['--topic', 'a b'],
    '--topic must be a Kafka topic name (up to 249 ASCII letters, digits, ".", "_" and "-"); got "a b"',
  ],
  ['non-integer --count', ['--topic', 't', '--count', 'x'], '--count must be an integer >= 1; got "x"'],
  ['zero --count', ['--topic', 't', '--count', '0'], '--count must be an integer >= 1; got "0"'],
  ['fractional --count', ['--topic', 't', '--count', '1.5'], '--count must be an integer >= 1; got "1.5"'],
  ['zero --rate', ['--topic', 't', '--rate', '0'], '--rate must be an integer >= 1; got "0"'],
  [
    'negative --duration-ms',
    ['--topic', 't', '--duration-ms', '-5'],
    '--duration-ms must be an integer >= 1; got "-5"',
  ],
  [
    '--partitions out of range',
    ['--topic', 't', '--partitions', '1025'],
    '--partitions must be an integer from 1 to 1024; got "1025"',
  ],
  [
    'unknown --partitioner',
    ['--topic', 't', '--partitioner', 'sticky'],
    '--partitioner must be one of murmur2, hash-value, round-robin; got "sticky"',
  ],
  ['non-integer --seed', ['--topic', 't', '--seed', '4e2'], '--seed must be an integer; got "4e2"'],
  [
    'unsafe integer --seed',
    ['--topic', 't', '--seed', '9007199254740993'],
    '--seed must be an integer; got "9007199254740993"',
  ],
  [
    'unknown --compression',
    ['--topic', 't', '--compression', 'brotli'],
    '--compression must be one of none, gzip, snappy, lz4, zstd; got "brotli"',
  ],
  [
    'zero --batch-size',
    ['--topic', 't', '--batch-size', '0'],
    '--batch-size must be an integer >= 1; got "0"',
  ],
  [
    'unknown --key',
    ['--topic', 't', '--key', 'status'],
    '--key must be one of user, url, none; got "status"',
  ],
  [
    'unknown flag',
    ['--topic', 't', '--cont', '3'],
    'unknown flag --cont; allowed: --topic, --count, --rate, --duration-ms, --partitions, --partitioner, --key, --seed, --compression, --batch-size, --create, --header, --from-file, --format, --key-field, --key-separator, --on-error, --scenario, --inject, --help',
  ],
  ['value given to a switch', ['--topic', 't', '--create=yes'], '--create takes no value; got "yes"'],
  [
    'flag without a value at the end',
    ['--topic', 't', '--count'],
    '--count needs a value (write --count=<value> for a value starting with "-")',
  ],
  [
    'stray argument',
    ['--topic', 't', 'clicks'],
    'unexpected argument "clicks"; every value follows its flag',
  ],
  [
    'a line flag without --from-file',
    ['--topic', 't', '--format', 'json'],
    '--format applies to lines: give --from-file <path|-> too',
  ],
  [
    'a generator flag with --from-file',
    ['--topic', 't', '--from-file', '-', '--count', '5'],
    '--count applies to generated events, not to --from-file',
  ],
  [
    'an empty --from-file',
    ['--topic', 't', '--from-file='],
    '--from-file must be a file path, or - for stdin; got ""',
  ],
  [
    'unknown --format',
    ['--topic', 't', '--from-file', '-', '--format', 'csv'],
    '--format must be one of text, json; got "csv"',
  ],
  [
    '--key-field with text',
    ['--topic', 't', '--from-file', '-', '--key-field', 'user'],
    '--key-field reads a field of JSON lines: give --format json too',
  ],
  [
    'both key flags',
    ['--topic', 't', '--from-file', '-', '--format', 'json', '--key-field', 'u', '--key-separator', ':'],
    '--key-field and --key-separator exclude each other; give one',
  ],
  [
    'an empty --key-field',
    ['--topic', 't', '--from-file', '-', '--format', 'json', '--key-field='],
    '--key-field must name a field; got ""',
  ],
  [
    'an empty --key-separator',
    ['--topic', 't', '--from-file', '-', '--key-separator='],
    '--key-separator must not be empty',
  ],
  [
    'unknown --on-error',
    ['--topic', 't', '--from-file', '-', '--on-error', 'log'],
    '--on-error must be one of stop, skip; got "log"',
  ],
  [
    'a header without =',
    ['--topic', 't', '--header', 'flag'],
    '--header must be key=value with a key; got "flag"',
  ],
  [
    'a header without a key',
    ['--topic', 't', '--header', '=v'],
    '--header must be key=value with a key; got "=v"',
  ],
  [
    'a header given twice',
    ['--topic', 't', '--header', 'a=1', '--header', 'a=2'],
    '--header "a" is given twice',
  ],
];

describe('sluice produce --from-file flags', () => {
  it('reads the line flags; lines have no count and no generator key', () => {
    const args = ['--topic', 't', '--from-file', '-', '--format', 'json', '--key-field', 'user'];
    expect(options([...args, '--header', 'source=cli', '--header', 'empty=', '--on-error', 'skip'])).toEqual({
      brokers: ['localhost:9092'],
      topic: 't',
      partitions: 4,
      partitioner: 'murmur2',
      seed: 42,
      compression: 'none',
      batchSize: 1000,
      key: 'user',
      create: false,
      headers: { source: 'cli', empty: '' },
      lines: { from: '-', format: 'json', keyField: 'user', onError: 'skip' },
    });
    expect(options(['--topic', 't', '--from-file', 'in.txt', '--key-separator', '\t']).lines).toEqual({
      from: 'in.txt',
      format: 'text',
      keySeparator: '\t',
      onError: 'stop',
    });
  });

  it('takes headers with generated events too; a header key such as __proto__ is a header like any other', () => {
    const headers = options(['--topic', 't', '--header', '__proto__=x', '--header', 'a=b=c']).headers;
    expect(headers && Object.entries(headers)).toEqual([
      ['__proto__', 'x'],
      ['a', 'b=c'],
    ]);
  });
});

describe('sluice produce flag validation', () => {
  it.each(cases)('%s', (_name, args, message) => {
    expect(problems(args)).toEqual([message]);
  });

  it('takes a flag followed by another flag for a missing value', () => {
    expect(problems(['--count', '--topic', 't'])).toEqual([
      '--count needs a value (write --count=<value> for a value starting with "-")',
      'unexpected argument "t"; every value follows its flag',
      '--topic is required',
    ]);
  });

  it("takes the argument after an unknown flag for that flag's value, not a stray argument", () => {
    expect(problems(['--topic', 't', '--cont', '3', 'extra'])).toEqual([
      'unknown flag --cont; allowed: --topic, --count, --rate, --duration-ms, --partitions, --partitioner, --key, --seed, --compression, --batch-size, --create, --header, --from-file, --format, --key-field, --key-separator, --on-error, --scenario, --inject, --help',
      'unexpected argument "extra"; every value follows its flag',
    ]);
  });

  it('requires SLUICE_BROKERS', () => {
    expect(problems(['--topic', 't'], {})).toEqual(['SLUICE_BROKERS is required for sluice produce']);
    expect(problems(['--topic', 't'], { SLUICE_BROKERS: '  ' })).toEqual([
      'SLUICE_BROKERS is required for sluice produce',
    ]);
  });

  it('rejects SLUICE_BROKERS with an empty entry or an entry without a port', () => {
    expect(problems(['--topic', 't'], { SLUICE_BROKERS: 'a:1,,b:2' })).toEqual([
      'SLUICE_BROKERS must not contain empty entries; got "a:1,,b:2"',
    ]);
    expect(problems(['--topic', 't'], { SLUICE_BROKERS: 'a:9092,kafka' })).toEqual([
      'SLUICE_BROKERS entry "kafka" must be host:port with a port from 1 to 65535; got "a:9092,kafka"',
    ]);
  });

  it('reports every problem at once, structure first, then values in flag order', () => {
    expect(
      problems(
        ['--verbose', '--count', 'x', '--partitioner', 'sticky', '--key', 'status', '--create=no'],
        {},
      ),
    ).toEqual([
      'unknown flag --verbose; allowed: --topic, --count, --rate, --duration-ms, --partitions, --partitioner, --key, --seed, --compression, --batch-size, --create, --header, --from-file, --format, --key-field, --key-separator, --on-error, --scenario, --inject, --help',
      '--create takes no value; got "no"',
      'SLUICE_BROKERS is required for sluice produce',
      '--topic is required',
      '--count must be an integer >= 1; got "x"',
      '--partitioner must be one of murmur2, hash-value, round-robin; got "sticky"',
      '--key must be one of user, url, none; got "status"',
    ]);
  });
});

describe('sluice produce --scenario', () => {
  it("defaults the count and the patterns to the scenario's, and takes the other flags", () => {
    expect(options(['--topic', 'access-logs', '--scenario', 'logs'])).toMatchObject({
      count: 12_000,
      seed: 42,
      scenario: { name: 'logs', inject: 3 },
    });
    expect(
      options([
        '--topic',
        'l',
        '--scenario',
        'logs',
        '--count',
        '5000',
        '--inject',
        '0',
        '--seed',
        '-9',
        '--rate',
        '100',
      ]),
    ).toMatchObject({ count: 5000, seed: -9, rate: 100, scenario: { name: 'logs', inject: 0 } });
  });

  it('refuses hostile values, each named with what is allowed', () => {
    expect(
      problems([
        '--topic',
        'l',
        '--scenario',
        'logs',
        '--count',
        '-5',
        '--rate',
        '1e300',
        '--seed',
        'abc',
        '--inject',
        '-1',
      ]),
    ).toEqual([
      '--rate must be an integer >= 1; got "1e300"',
      '--inject must be an integer from 0 to 1000; got "-1"',
      '--count must be an integer >= 1; got "-5"',
      '--seed must be an integer; got "abc"',
    ]);
    expect(problems(['--topic', 'l', '--scenario', 'logs', '--inject', '1001'])).toEqual([
      '--inject must be an integer from 0 to 1000; got "1001"',
    ]);
    expect(problems(['--topic', 'l', '--scenario', 'logs', '--count', '9007199254740993'])).toEqual([
      '--count must be an integer >= 1; got "9007199254740993"',
    ]);
  });

  it('refuses an unknown scenario, listing the known ones', () => {
    expect(problems(['--topic', 'l', '--scenario', 'nope'])).toEqual([
      `--scenario must be one of ${SCENARIO_NAMES.join(', ')}; got "nope"`,
    ]);
  });

  it('refuses --from-file, --key with a scenario, and --inject without one', () => {
    expect(problems(['--topic', 'l', '--scenario', 'logs', '--key', 'url'])).toEqual([
      '--key does not apply to --scenario: scenario logs keys its records',
    ]);
    expect(problems(['--topic', 'l', '--scenario', 'logs', '--from-file', '-'])).toEqual([
      '--scenario and --from-file exclude each other; give one',
    ]);
    expect(problems(['--topic', 'l', '--inject', '2'])).toEqual([
      '--inject applies to a scenario: give --scenario too',
    ]);
  });

  it('refuses more patterns than the count holds', () => {
    expect(problems(['--topic', 'l', '--scenario', 'logs', '--count', '100'])).toEqual([
      '--inject 3 error bursts need --count 4200 or more for scenario logs (70 s of lines each, at 20 a second); got 100',
    ]);
  });
});
