// Argument parsing of sluice topics, lag and tail: every field read, one test per message.
import { describe, expect, it } from 'vitest';
import { readFlags, UsageError } from '../../src/cli/args.ts';
import { parseLagArgs } from '../../src/cli/lag.ts';
import { parseTailArgs } from '../../src/cli/tail.ts';
import { parseTopicsArgs } from '../../src/cli/topics.ts';
import { isSluiceError } from '../../src/errors/index.ts';

function problems(parse: () => unknown): readonly string[] {
  try {
    parse();
  } catch (error) {
    if (error instanceof UsageError) {
      expect(isSluiceError(error, 'SLUICE_USAGE')).toBe(true);
      return error.problems;
    }
    throw error;
  }
  throw new Error('expected a UsageError');
}

describe('readFlags', () => {
  it('returns positionals in order when asked, and collects a multiple flag', () => {
    const spec = { config: { type: 'string', multiple: true }, json: { type: 'boolean' } } as const;
    expect(
      readFlags(['a', '--config', 'x=1', 'b', '--config=y=2', '--json'], spec, { positionals: true }),
    ).toEqual({
      values: { config: ['x=1', 'y=2'], json: true },
      positionals: ['a', 'b'],
      problems: [],
    });
  });

  it('still reports positionals as problems by default', () => {
    expect(readFlags(['a'], { json: { type: 'boolean' } })).toEqual({
      values: {},
      positionals: [],
      problems: ['unexpected argument "a"; every value follows its flag'],
    });
  });
});

describe('sluice topics arguments', () => {
  it('lists by default, with or without the word list', () => {
    const list = { help: false, json: false, action: { type: 'list', all: false } };
    expect(parseTopicsArgs([])).toEqual(list);
    expect(parseTopicsArgs(['list'])).toEqual(list);
    expect(parseTopicsArgs(['--all', '--json'])).toEqual({
      help: false,
      json: true,
      action: { type: 'list', all: true },
    });
  });

  it('reads describe and create', () => {
    expect(parseTopicsArgs(['describe', 'clicks', '--json'])).toEqual({
      help: false,
      json: true,
      action: { type: 'describe', topic: 'clicks' },
    });
    expect(
      parseTopicsArgs([
        'create',
        'clicks',
        '--partitions',
        '6',
        '--replication-factor=3',
        '--config',
        'retention.ms=86400000',
        '--config',
        'cleanup.policy=compact,delete',
      ]),
    ).toEqual({
      help: false,
      json: false,
      action: {
        type: 'create',
        topic: 'clicks',
        partitions: 6,
        replicationFactor: 3,
        config: { 'retention.ms': '86400000', 'cleanup.policy': 'compact,delete' },
      },
    });
    expect(parseTopicsArgs(['create', 't', '--partitions', '1'])).toEqual({
      help: false,
      json: false,
      action: { type: 'create', topic: 't', partitions: 1, config: {} },
    });
  });

  it('answers --help with help, whatever else is wrong', () => {
    expect(parseTopicsArgs(['create', '--partitions', 'x', '-h'])).toEqual({ help: true });
    expect(parseTopicsArgs(['frob', '--help'])).toEqual({ help: true });
  });

  const cases: [string, string[], string[]][] = [
    ['unknown subcommand', ['frob'], ['unknown topics subcommand "frob"; allowed: list, describe, create']],
    ['a topic given to list', ['list', 'x'], ['unexpected argument "x"; sluice topics list takes no topic']],
    [
      'a flag of another subcommand',
      ['describe', 't', '--all'],
      ['unknown flag --all; allowed: --json, --help'],
    ],
    ['describe without a topic', ['describe'], ['<topic> is required for sluice topics describe']],
    [
      'a bad topic name',
      ['describe', 'a b'],
      ['<topic> must be a Kafka topic name (up to 249 ASCII letters, digits, ".", "_" and "-"); got "a b"'],
    ],
    [
      'two topics',
      ['describe', 'a', 'b'],
      ['unexpected argument "b"; sluice topics describe takes one topic'],
    ],
    [
      'create without topic or partitions',
      ['create'],
      ['<topic> is required for sluice topics create', '--partitions is required for sluice topics create'],
    ],
    [
      'zero partitions',
      ['create', 't', '--partitions', '0'],
      ['--partitions must be an integer from 1 to 2147483647; got "0"'],
    ],
    [
      'a bad replication factor',
      ['create', 't', '--partitions', '1', '--replication-factor', '40000'],
      ['--replication-factor must be an integer from 1 to 32767; got "40000"'],
    ],
    [
      'a config without =',
      ['create', 't', '--partitions', '1', '--config', 'retention.ms'],
      ['--config must be key=value (a topic config such as retention.ms=86400000); got "retention.ms"'],
    ],
  ];
  it.each(cases)('%s', (_, args, expected) => {
    expect(problems(() => parseTopicsArgs(args))).toEqual(expected);
  });
});

describe('sluice lag arguments', () => {
  it('reads --group, --topic and --json', () => {
    expect(parseLagArgs(['--group', 'g'])).toEqual({ help: false, options: { group: 'g', json: false } });
    expect(parseLagArgs(['--group=g', '--topic', 'clicks', '--json'])).toEqual({
      help: false,
      options: { group: 'g', topic: 'clicks', json: true },
    });
    expect(parseLagArgs(['--bogus', '-h'])).toEqual({ help: true });
  });

  const cases: [string, string[], string[]][] = [
    ['missing --group', [], ['--group is required']],
    ['empty --group', ['--group', ' '], ['--group must not be empty; got " "']],
    [
      'bad --topic',
      ['--group', 'g', '--topic', 'a/b'],
      ['--topic must be a Kafka topic name (up to 249 ASCII letters, digits, ".", "_" and "-"); got "a/b"'],
    ],
    [
      'a stray argument',
      ['g'],
      ['unexpected argument "g"; every value follows its flag', '--group is required'],
    ],
  ];
  it.each(cases)('%s', (_, args, expected) => {
    expect(problems(() => parseLagArgs(args))).toEqual(expected);
  });
});

describe('sluice tail arguments', () => {
  it('fills in the defaults', () => {
    expect(parseTailArgs(['clicks'])).toEqual({
      help: false,
      options: { topic: 'clicks', fromBeginning: false, fields: 'all', json: false },
    });
  });

  it('reads every flag, before or after the topic', () => {
    expect(
      parseTailArgs(['--partition', '2', 'clicks', '--from-beginning', '--max=5', '--key-only', '--json']),
    ).toEqual({
      help: false,
      options: { topic: 'clicks', fromBeginning: true, partition: 2, max: 5, fields: 'key', json: true },
    });
    expect(parseTailArgs(['clicks', '--value-only'])).toMatchObject({ options: { fields: 'value' } });
  });

  const cases: [string, string[], string[]][] = [
    ['no topic', [], ['<topic> is required for sluice tail']],
    ['two topics', ['a', 'b'], ['unexpected argument "b"; sluice tail takes one topic']],
    [
      'negative --partition',
      ['t', '--partition', '-1'],
      ['--partition must be an integer from 0 to 2147483646; got "-1"'],
    ],
    ['zero --max', ['t', '--max', '0'], ['--max must be an integer >= 1; got "0"']],
    [
      'both --key-only and --value-only',
      ['t', '--key-only', '--value-only'],
      ['--key-only and --value-only exclude each other; give one'],
    ],
    [
      'an unknown flag',
      ['t', '--follow'],
      [
        'unknown flag --follow; allowed: --from-beginning, --partition, --max, --key-only, --value-only, --json, --help',
      ],
    ],
  ];
  it.each(cases)('%s', (_, args, expected) => {
    expect(problems(() => parseTailArgs(args))).toEqual(expected);
  });
});
