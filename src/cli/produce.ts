// `sluice produce`: writes generated click events to a Kafka topic, at a given rate or as fast as it can.

import { setTimeout as sleep } from 'node:timers/promises';
import type { Kafka, Message, Producer } from 'kafkajs';
import { compressionType, registerCodecs } from '../codecs/index.ts';
import {
  COMPRESSIONS,
  type Compression,
  type KafkaSecurityConfig,
  loadKafkaSecurity,
} from '../config/index.ts';
import type { Logger } from '../core/index.ts';
import { ErrorCode, SluiceError } from '../errors/index.ts';
import {
  createKafka,
  createPartitioner,
  kafkaFailureReason,
  PARTITIONER_NAMES,
  type PartitionerName,
  toKafkajsPartitioner,
} from '../kafka/index.ts';
import { clickAt } from '../task/index.ts';
import { choiceFlag, integerFlag, readFlags, topicArgument, UsageError } from './args.ts';
import { stopOnSignals } from './signals.ts';

export const KEY_FIELDS = ['user', 'url', 'none'] as const;
export type KeyField = (typeof KEY_FIELDS)[number];
export { COMPRESSIONS, type Compression };

/** Events written when neither --count, --rate nor --duration-ms bounds the run. */
export const DEFAULT_COUNT = 10_000;
// Enough sends in flight to keep the broker busy while the next batch is built; bounded so a slow
// broker slows generation down instead of queueing the whole run in memory.
const MAX_IN_FLIGHT = 4;
const PROGRESS_MS = 500;
// With --rate, a batch is at most a tenth of a second's events, so pacing stays smooth at low rates.
const PACED_BATCHES_PER_SECOND = 10;

export const PRODUCE_USAGE = `usage: sluice produce --topic <topic> [options]

Writes generated click events (JSON) to a Kafka topic and prints one JSON summary line.
Brokers come from SLUICE_BROKERS (host:port[,host:port…]).

  --topic <name>        topic to write to (required)
  --count <n>           events to write (default ${DEFAULT_COUNT} unless --rate or --duration-ms is given)
  --rate <r>            events per second over all partitions (default: as fast as possible)
  --duration-ms <d>     stop after d milliseconds (with --rate and without --count: runs until a signal)
  --partitions <p>      generator partitions, and partitions of a topic made by --create (default 4)
  --partitioner <name>  ${PARTITIONER_NAMES.join(' | ')} (default murmur2)
  --key <field>         record key: ${KEY_FIELDS.join(' | ')} (default user)
  --seed <s>            generator seed; the same seed gives the same events (default 42)
  --compression <c>     ${COMPRESSIONS.join(' | ')} (default none; Kafka's compression.type)
  --batch-size <b>      messages per send request (default 1000)
  --create              create the topic if it does not exist
  -h, --help            print this text

SIGINT/SIGTERM stop generating; sends in flight finish and the summary is printed (exit 0).`;

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
  /** The SLUICE_KAFKA_SSL* and SLUICE_KAFKA_SASL* settings; unset: PLAINTEXT. */
  readonly security?: KafkaSecurityConfig;
};

export type ProduceArgs =
  | { readonly help: true }
  | { readonly help: false; readonly options: ProduceOptions };

/** What `sluice produce` prints on stdout when it ends: one JSON line. */
export type ProduceSummary = {
  readonly topic: string;
  /** Events the broker acknowledged. */
  readonly count: number;
  /** Acknowledged events per Kafka partition id, every partition of the topic listed. */
  readonly partitions: Readonly<Record<string, number>>;
  readonly elapsedMs: number;
  readonly eventsPerSecond: number;
  readonly partitioner: PartitionerName;
  readonly seed: number;
  readonly compression: Compression;
};

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
  help: { type: 'boolean', short: 'h' },
} as const;

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
  const rate = integerFlag(problems, 'rate', values.rate, { min: 1 }, undefined);
  const durationMs = integerFlag(problems, 'duration-ms', values['duration-ms'], { min: 1 }, undefined);
  const bounded = values.rate !== undefined || values['duration-ms'] !== undefined;
  const count = integerFlag(problems, 'count', values.count, { min: 1 }, bounded ? undefined : DEFAULT_COUNT);
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
  };
  if (problems.length > 0) throw new UsageError(problems);
  return { help: false, options };
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

/**
 * `sluice produce`: writes click events until the count, the duration or a signal, then prints the
 * summary line. The first SIGINT/SIGTERM stops generating and lets the sends in flight finish; a
 * second exits at once with 130.
 */
export async function produceCommand(args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const parsed = parseProduceArgs(args, env);
  if (parsed.help) {
    console.log(PRODUCE_USAGE);
    return 0;
  }
  // stdout carries only the summary; say which codecs run only when a native addon did not load.
  registerCodecs({ info() {}, warn: (_, message) => process.stderr.write(`${message}\n`) });
  const signals = stopOnSignals();
  const stop = signals.controller;
  try {
    const summary = await produce(
      { ...parsed.options, security: loadKafkaSecurity(env) },
      {
        signal: stop.signal,
        ...(process.stderr.isTTY ? { progress: process.stderr } : {}),
      },
    );
    console.log(JSON.stringify(summary));
    return 0;
  } finally {
    signals.dispose();
  }
}

export type ProduceIo = {
  /** Aborting stops generating; what is in flight is still awaited and counted. */
  readonly signal?: AbortSignal;
  /** Gets a `\r`-updated progress line every 500 ms (meant for a TTY). */
  readonly progress?: NodeJS.WritableStream;
};

/**
 * Writes the click events to Kafka. Event number n is `clickAt(spec, n % P, ⌊n / P⌋)` for P
 * generator partitions, so the events are fixed by seed, partitions and count; the named
 * partitioner picks each record's Kafka partition over the topic's actual partition count. Throws
 * `SLUICE_KAFKA`, naming the brokers, when Kafka cannot be reached or refuses a send.
 */
export async function produce(options: ProduceOptions, io: ProduceIo = {}): Promise<ProduceSummary> {
  registerCodecs();
  const brokers = options.brokers.join(',');
  const security = options.security ?? loadKafkaSecurity({});
  const kafka = createKafka(
    { clientId: 'sluice-produce', brokers: options.brokers, ...security },
    stderrLogger,
    {
      connectionTimeout: 3000,
      retry: { retries: 2 },
    },
  );
  const admin = kafka.admin();
  const producer = kafka.producer({
    allowAutoTopicCreation: false,
    // Every message names its partition; this only makes that explicit choice win.
    createPartitioner: toKafkajsPartitioner(options.partitioner),
  });
  const failed = (what: string, error: unknown): SluiceError =>
    new SluiceError(ErrorCode.kafka, `${what}: ${kafkaFailureReason(error, security)}`, { cause: error });
  const on = `Kafka brokers ${brokers} (SLUICE_BROKERS)`;

  try {
    await admin.connect().catch((error: unknown) => {
      throw failed(`cannot connect to ${on}`, error);
    });
    const partitionCount = await topicPartitions(options, admin).catch((error: unknown) => {
      throw error instanceof SluiceError
        ? error
        : failed(`preparing topic "${options.topic}" on ${on} failed`, error);
    });
    await producer.connect().catch((error: unknown) => {
      throw failed(`cannot connect the producer to ${on}`, error);
    });
    return await sendEvents(options, producer, partitionCount, io, (error) =>
      failed(`sending to topic "${options.topic}" on ${on} failed`, error),
    );
  } finally {
    await producer.disconnect();
    await admin.disconnect();
  }
}

async function topicPartitions(options: ProduceOptions, admin: ReturnType<Kafka['admin']>): Promise<number> {
  const { topic } = options;
  // Asking first: createTopics on an existing topic works, but kafkajs logs the refusal as an error.
  // An existing topic keeps its own partition count.
  const exists = (await admin.listTopics()).includes(topic);
  if (!exists && options.create) {
    await admin.createTopics({
      topics: [{ topic, numPartitions: options.partitions }],
      waitForLeaders: true,
    });
  } else if (!exists) {
    throw new SluiceError(
      ErrorCode.kafka,
      `topic "${topic}" does not exist on Kafka brokers ${options.brokers.join(',')}; pass --create to create it with ${options.partitions} partitions (--partitions)`,
    );
  }
  const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
  const count = metadata.topics[0]?.partitions.length ?? 0;
  if (count < 1) throw new Error(`no partition metadata for topic "${topic}"`);
  return count;
}

async function sendEvents(
  options: ProduceOptions,
  producer: Producer,
  partitionCount: number,
  io: ProduceIo,
  failed: (error: unknown) => SluiceError,
): Promise<ProduceSummary> {
  const { rate } = options;
  const { signal } = io;
  const spec = { seed: options.seed, partitions: options.partitions };
  const partitioner = createPartitioner(options.partitioner);
  const compression = compressionType(options.compression);
  const batchSize =
    rate === undefined
      ? options.batchSize
      : Math.min(options.batchSize, Math.ceil(rate / PACED_BATCHES_PER_SECOND));
  const acked = new Array<number>(partitionCount).fill(0);
  let count = 0;
  let next = 0;
  let failure: unknown;
  const inFlight = new Set<Promise<void>>();

  const start = performance.now();
  const deadline = options.durationMs === undefined ? Number.POSITIVE_INFINITY : start + options.durationMs;
  // With a rate, event n is due at start + n / rate s; the run ends with the last event due before
  // the deadline, so a broker that keeps up gets exactly ceil(rate × duration) events.
  const limit = Math.min(
    options.count ?? Number.POSITIVE_INFINITY,
    rate === undefined || options.durationMs === undefined
      ? Number.POSITIVE_INFINITY
      : Math.ceil((rate * options.durationMs) / 1000),
  );
  const elapsed = (): number => performance.now() - start;
  const timer = io.progress === undefined ? undefined : setInterval(() => showProgress(), PROGRESS_MS);
  timer?.unref();
  const showProgress = (): void => {
    const perSecond = Math.round((count * 1000) / Math.max(elapsed(), 1));
    io.progress?.write(`\r${options.topic}: ${count} events acknowledged, ${perSecond}/s\x1b[K`);
  };

  // A function, not a narrowed expression: the signal aborts while we await.
  const stopped = (): boolean => signal?.aborted === true || failure !== undefined;
  while (next < limit && !stopped()) {
    if (rate !== undefined) {
      const wait = start + (next * 1000) / rate - performance.now();
      if (wait > 0) await sleep(wait, undefined, signal ? { signal } : {}).catch(() => {});
    }
    // Ends an unpaced timed run; a paced one only when the broker fell behind (else `limit` does).
    if (performance.now() >= deadline) break;
    while (inFlight.size >= MAX_IN_FLIGHT) await Promise.race(inFlight);
    if (stopped()) break;

    const size = Math.min(batchSize, limit - next);
    const perPartition = new Array<number>(partitionCount).fill(0);
    const messages: Message[] = [];
    for (let n = next; n < next + size; n++) {
      const event = clickAt(spec, n % options.partitions, Math.floor(n / options.partitions));
      const key = options.key === 'none' ? null : Buffer.from(event[options.key]);
      const value = Buffer.from(JSON.stringify(event));
      const partition = partitioner({ key, value }, partitionCount);
      perPartition[partition] = (perPartition[partition] ?? 0) + 1;
      messages.push({ key, value, partition });
    }
    next += size;
    const sending: Promise<void> = producer
      .send({ topic: options.topic, acks: -1, compression, messages })
      .then(
        () => {
          count += size;
          for (const [partition, n] of perPartition.entries()) acked[partition] = (acked[partition] ?? 0) + n;
        },
        (error: unknown) => {
          failure ??= error;
        },
      )
      .finally(() => inFlight.delete(sending));
    inFlight.add(sending);
  }
  await Promise.all(inFlight);
  if (timer !== undefined) {
    clearInterval(timer);
    showProgress();
    io.progress?.write('\n');
  }
  if (failure !== undefined) throw failed(failure);

  const elapsedMs = Math.round(elapsed());
  return {
    topic: options.topic,
    count,
    partitions: Object.fromEntries(acked.map((n, partition) => [String(partition), n])),
    elapsedMs,
    eventsPerSecond: elapsedMs > 0 ? Math.round((count * 1000) / elapsedMs) : count,
    partitioner: options.partitioner,
    seed: options.seed,
    compression: options.compression,
  };
}

/** kafkajs warnings and errors, one line each on stderr: stdout carries only the summary. */
const stderrLogger: Logger = {
  info() {},
  debug() {},
  warn: (fields, message) => writeLine('WARN', fields, message),
  error: (fields, message) => writeLine('ERROR', fields, message),
};

function writeLine(label: string, fields: object, message: string): void {
  const entry = 'kafkajs' in fields ? fields.kafkajs : undefined;
  const broker =
    typeof entry === 'object' && entry !== null && 'broker' in entry && typeof entry.broker === 'string'
      ? ` (broker ${entry.broker})`
      : '';
  process.stderr.write(`kafkajs ${label} ${message}${broker}\n`);
}
