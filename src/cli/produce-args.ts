// `sluice produce`'s flags: generated click events, or lines from a file or stdin, into a topic.

import { COMPRESSIONS, type Compression, type KafkaSecurityConfig } from '../config/index.ts';
import { PARTITIONER_NAMES, type PartitionerName } from '../kafka/index.ts';
import { MAX_INJECT, SCENARIO_NAMES, SCENARIOS, type ScenarioName } from '../scenarios/index.ts';
import { choiceFlag, integerFlag, readFlags, topicArgument, UsageError } from './args.ts';

export const KEY_FIELDS = ['user', 'url', 'none'] as const;
export type KeyField = (typeof KEY_FIELDS)[number];
export const LINE_FORMATS = ['text', 'json'] as const;
export type LineFormat = (typeof LINE_FORMATS)[number];
export const ON_ERROR = ['stop', 'skip'] as const;
export type OnLineError = (typeof ON_ERROR)[number];

/** Events written when neither --count, --rate nor --duration-ms bounds the run. */
export const DEFAULT_COUNT = 10_000;

export const PRODUCE_USAGE = `usage: sluice produce --topic <topic> [options]
       sluice produce --topic <topic> --from-file <path|-> [line options]

Writes generated click events (JSON), or the lines of a file or of stdin, to a Kafka topic and
prints one JSON summary line. Brokers come from SLUICE_BROKERS (host:port[,host:port…]).

  --topic <name>        topic to write to (required)
  --partitions <p>      partitions of a topic made by --create, and generator partitions (default 4)
  --create              create the topic if it does not exist
  --partitioner <name>  ${PARTITIONER_NAMES.join(' | ')} (default murmur2)
  --compression <c>     ${COMPRESSIONS.join(' | ')} (default none; Kafka's compression.type)
  --batch-size <b>      messages per send request (default 1000)
  --header <key=value>  a header on every record; repeat for more
  -h, --help            print this text

Generated events:
  --count <n>           events to write (default ${DEFAULT_COUNT} unless --rate or --duration-ms is given)
  --rate <r>            events per second over all partitions (default: as fast as possible)
  --duration-ms <d>     stop after d milliseconds (with --rate and without --count: runs until a signal)
  --key <field>         record key: ${KEY_FIELDS.join(' | ')} (default user)
  --seed <s>            generator seed; the same seed gives the same events (default 42)

Example applications' data (examples/<name>/README.md), keyed as each scenario says:
  --scenario <name>     ${SCENARIO_NAMES.map((name) => `${name}: ${SCENARIOS[name].summary}`).join('\n                        ')}
  --inject <n>          patterns to inject, 0 to ${MAX_INJECT} (default: the scenario's)
  --count, --rate, --duration-ms and --seed as above; --count defaults to the scenario's

Lines (like kafka-console-producer): one record per line, \\n or \\r\\n ended; empty lines are skipped
  --from-file <path|->  read the lines from a file, or from stdin for -
  --format <f>          text: each line's bytes as they are (any encoding) | json: each line must be
                        one JSON value, written as it is (default text)
  --key-field <name>    json: the key is this field of each line's object (a string or a number)
  --key-separator <s>   the key is what comes before the first <s> of the line, the value what follows
  --on-error <e>        a bad line (not JSON, no key, larger than the topic takes): stop there, exit 1
                        after writing the lines before it | skip it, named on stderr (default stop)

SIGINT/SIGTERM stop generating (or reading); sends in flight finish and the summary is printed (exit 0).`;

/** Which scenario `--scenario` writes, and how many patterns it injects. */
export type ScenarioChoice = { readonly name: ScenarioName; readonly inject: number };

/** How `--from-file` lines become records. */
export type LinesOptions = {
  /** A file path, or `-` for stdin. */
  readonly from: string;
  readonly format: LineFormat;
  readonly keyField?: string;
  readonly keySeparator?: string;
  readonly onError: OnLineError;
};

export type ProduceOptions = {
  readonly brokers: readonly string[];
  readonly topic: string;
  /** Unset: no limit on the number of events (--rate or --duration-ms bound the run, or a signal). */
  readonly count?: number;
  readonly rate?: number;
  readonly durationMs?: number;
  readonly partitions: number;
  readonly partitioner: PartitionerName;
  readonly seed: number;
  readonly compression: Compression;
  readonly batchSize: number;
  readonly key: KeyField;
  readonly create: boolean;
  /** Headers on every record (--header). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Set: the records are the lines of a file or stdin rather than generated events. */
  readonly lines?: LinesOptions;
  /** Set: the records are an example application's data rather than click events. */
  readonly scenario?: ScenarioChoice;
  /** The SLUICE_KAFKA_SSL* and SLUICE_KAFKA_SASL* settings; unset: PLAINTEXT. */
  readonly security?: KafkaSecurityConfig;
};

export type ProduceArgs =
  | { readonly help: true }
  | { readonly help: false; readonly options: ProduceOptions };

const FLAGS = {
  topic: { type: 'string' },
  count: { type: 'string' },
  rate: { type: 'string' },
  'duration-ms': { type: 'string' },
  partitions: { type: 'string' },
  partitioner: { type: 'string' },
  key: { type: 'string' },
  seed: { type: 'string' },
  compression: { type: 'string' },
  'batch-size': { type: 'string' },
  create: { type: 'boolean' },
  header: { type: 'string', multiple: true },
  'from-file': { type: 'string' },
  format: { type: 'string' },
  'key-field': { type: 'string' },
  'key-separator': { type: 'string' },
  'on-error': { type: 'string' },
  scenario: { type: 'string' },
  inject: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const GENERATOR_ONLY = ['count', 'rate', 'duration-ms', 'key', 'seed'] as const;
const LINES_ONLY = ['format', 'key-field', 'key-separator', 'on-error'] as const;
const HOST_PORT = /^(?:\[[\da-fA-F:.]+\]|[^\s:/[\]]+):(\d{1,5})$/;

/**
 * Parses `sluice produce` flags and SLUICE_BROKERS. Throws one `UsageError` (code `SLUICE_USAGE`)
 * listing every problem. `--help` wins over any problem.
 *
 * @example
 * parseProduceArgs(['--topic', 'clicks', '--count', '500'], { SLUICE_BROKERS: 'localhost:9092' });
 */
export function parseProduceArgs(args: readonly string[], env: NodeJS.ProcessEnv): ProduceArgs {
  const { values, problems } = readFlags(args, FLAGS);
  if (values.help === true) return { help: true };

  const brokers = brokerList(problems, env.SLUICE_BROKERS);
  const topic = values.topic;
  if (topic === undefined) problems.push('--topic is required');
  else topicArgument(problems, '--topic', topic);
  const fromFile = values['from-file'];
  const misplaced = fromFile === undefined ? LINES_ONLY : GENERATOR_ONLY;
  for (const name of misplaced) {
    if (values[name] !== undefined) {
      problems.push(
        fromFile === undefined
          ? `--${name} applies to lines: give --from-file <path|-> too`
          : `--${name} applies to generated events, not to --from-file`,
      );
    }
  }
  const rate = integerFlag(problems, 'rate', values.rate, { min: 1 }, undefined);
  const durationMs = integerFlag(problems, 'duration-ms', values['duration-ms'], { min: 1 }, undefined);
  const scenario = scenarioChoice(problems, values, fromFile);
  const bounded = values.rate !== undefined || values['duration-ms'] !== undefined || fromFile !== undefined;
  const defaultCount = scenario ? SCENARIOS[scenario.name].defaultCount : bounded ? undefined : DEFAULT_COUNT;
  const count = integerFlag(problems, 'count', values.count, { min: 1 }, defaultCount);
  const headers = headerFlags(problems, values.header ?? []);
  const lines = fromFile === undefined ? undefined : linesOptions(problems, fromFile, values);
  const options = {
    brokers,
    topic: topic ?? '',
    ...(count === undefined ? {} : { count }),
    ...(rate === undefined ? {} : { rate }),
    ...(durationMs === undefined ? {} : { durationMs }),
    partitions: integerFlag(problems, 'partitions', values.partitions, { min: 1, max: 1024 }, 4),
    partitioner: choiceFlag(problems, 'partitioner', values.partitioner, PARTITIONER_NAMES, 'murmur2'),
    seed: integerFlag(problems, 'seed', values.seed, {}, 42),
    compression: choiceFlag(problems, 'compression', values.compression, COMPRESSIONS, 'none'),
    batchSize: integerFlag(problems, 'batch-size', values['batch-size'], { min: 1 }, 1000),
    key: choiceFlag(problems, 'key', values.key, KEY_FIELDS, 'user'),
    create: values.create === true,
    ...(headers === undefined ? {} : { headers }),
    ...(lines === undefined ? {} : { lines }),
    ...(scenario === undefined ? {} : { scenario }),
  };
  if (scenario !== undefined && count !== undefined && problems.length === 0) {
    const problem = SCENARIOS[scenario.name].problem({ ...scenario, seed: options.seed, count });
    if (problem !== undefined) problems.push(problem);
  }
  if (problems.length > 0) throw new UsageError(problems);
  return { help: false, options };
}

type ScenarioFlags = {
  readonly scenario?: string;
  readonly inject?: string;
  readonly key?: string;
};

/** The --scenario and --inject flags; a scenario keys its own records and makes no lines. */
function scenarioChoice(
  problems: string[],
  values: ScenarioFlags,
  fromFile: string | undefined,
): ScenarioChoice | undefined {
  if (values.scenario === undefined) {
    if (values.inject !== undefined) problems.push('--inject applies to a scenario: give --scenario too');
    return undefined;
  }
  const known = SCENARIO_NAMES.find((name) => name === values.scenario);
  if (known === undefined) {
    problems.push(
      `--scenario must be one of ${SCENARIO_NAMES.join(', ')}; got ${JSON.stringify(values.scenario)}`,
    );
    return undefined;
  }
  if (fromFile !== undefined) problems.push('--scenario and --from-file exclude each other; give one');
  if (values.key !== undefined)
    problems.push(`--key does not apply to --scenario: scenario ${known} keys its records`);
  const inject = integerFlag(problems, 'inject', values.inject, { min: 0, max: MAX_INJECT }, undefined);
  return { name: known, inject: inject ?? SCENARIOS[known].defaultInject };
}

type LineFlags = {
  readonly format?: string;
  readonly 'key-field'?: string;
  readonly 'key-separator'?: string;
  readonly 'on-error'?: string;
};

function linesOptions(problems: string[], from: string, values: LineFlags): LinesOptions {
  const format = choiceFlag(problems, 'format', values.format, LINE_FORMATS, 'text');
  const keyField = values['key-field'];
  const keySeparator = values['key-separator'];
  if (from === '') problems.push('--from-file must be a file path, or - for stdin; got ""');
  if (keyField !== undefined && keySeparator !== undefined) {
    problems.push('--key-field and --key-separator exclude each other; give one');
  }
  if (keyField !== undefined && format !== 'json') {
    problems.push('--key-field reads a field of JSON lines: give --format json too');
  }
  if (keyField === '') problems.push('--key-field must name a field; got ""');
  if (keySeparator === '') problems.push('--key-separator must not be empty');
  return {
    from,
    format,
    ...(keyField === undefined ? {} : { keyField }),
    ...(keySeparator === undefined ? {} : { keySeparator }),
    onError: choiceFlag(problems, 'on-error', values['on-error'], ON_ERROR, 'stop'),
  };
}

/** `--header key=value` flags as headers, in order; a key given twice, or none, is a problem. */
function headerFlags(
  problems: string[],
  raw: readonly string[],
): Readonly<Record<string, string>> | undefined {
  if (raw.length === 0) return undefined;
  const headers = new Map<string, string>();
  for (const entry of raw) {
    const at = entry.indexOf('=');
    const key = at < 0 ? '' : entry.slice(0, at);
    if (key === '') problems.push(`--header must be key=value with a key; got ${JSON.stringify(entry)}`);
    else if (headers.has(key)) problems.push(`--header ${JSON.stringify(key)} is given twice`);
    else headers.set(key, entry.slice(at + 1));
  }
  // From a Map: a key such as __proto__ is a header like any other.
  return Object.fromEntries(headers);
}

function brokerList(problems: string[], raw: string | undefined): string[] {
  const value = raw?.trim() ?? '';
  if (value === '') {
    problems.push('SLUICE_BROKERS is required for sluice produce');
    return [];
  }
  const brokers = value.split(',').map((entry) => entry.trim());
  if (brokers.includes('')) {
    problems.push(`SLUICE_BROKERS must not contain empty entries; got ${JSON.stringify(raw)}`);
    return [];
  }
  const bad = brokers.find((broker) => {
    const port = Number(HOST_PORT.exec(broker)?.[1]);
    return !(port >= 1 && port <= 65535);
  });
  if (bad !== undefined) {
    problems.push(
      `SLUICE_BROKERS entry ${JSON.stringify(bad)} must be host:port with a port from 1 to 65535; got ${JSON.stringify(raw)}`,
    );
  }
  return brokers;
}
