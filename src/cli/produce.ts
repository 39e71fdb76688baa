// `sluice produce`: writes generated click events, or the lines of a file or stdin, to a Kafka topic.

import { open } from 'node:fs/promises';
import { addAbortSignal, type Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin, Kafka, Message, Producer } from 'kafkajs';
import { compressionType, registerCodecs } from '../codecs/index.ts';
import { type Compression, loadKafkaSecurity } from '../config/index.ts';
import type { Logger } from '../core/index.ts';
import { ErrorCode, errorText, SluiceError } from '../errors/index.ts';
import {
  createKafka,
  createPartitioner,
  DEFAULT_MAX_MESSAGE_BYTES,
  kafkaFailureReason,
  type PartitionerName,
  readMaxMessageBytes,
  toKafkajsPartitioner,
} from '../kafka/index.ts';
import { SCENARIOS } from '../scenarios/index.ts';
import { clickAt } from '../task/index.ts';
import { UsageError } from './args.ts';
import {
  type LinesOptions,
  PRODUCE_USAGE,
  type ProduceOptions,
  parseProduceArgs,
  type ScenarioChoice,
} from './produce-args.ts';
import { type LinesIo, type LinesSummary, sendLines } from './produce-lines.ts';
import { BatchSender, MAX_IN_FLIGHT, type SendTotals, showProgress } from './produce-sender.ts';
import { stopOnSignals } from './signals.ts';

// With --rate, a batch is at most a tenth of a second's events, so pacing stays smooth at low rates.
const PACED_BATCHES_PER_SECOND = 10;

/** What `sluice produce` prints on stdout when it ends (generated events): one JSON line. */
export type ProduceSummary = SendTotals & {
  readonly eventsPerSecond: number;
  readonly partitioner: PartitionerName;
  readonly seed: number;
  readonly compression: Compression;
  /** With --scenario: its name and the patterns injected. */
  readonly scenario?: string;
  readonly inject?: number;
};

/**
 * `sluice produce`: writes click events until the count, the duration or a signal, or the lines of
 * `--from-file` until its end or a signal, then prints the summary line. The first SIGINT/SIGTERM
 * stops generating (reading) and lets the sends in flight finish; a second exits at once with 130.
 */
export async function produceCommand(args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const parsed = parseProduceArgs(args, env);
  if (parsed.help) {
    console.log(PRODUCE_USAGE);
    return 0;
  }
  const options = { ...parsed.options, security: loadKafkaSecurity(env) };
  // Before connecting: a path that cannot be read is the user's to fix, not Kafka's.
  const input = options.lines === undefined ? undefined : await openLines(options.lines);
  // stdout carries only the summary; say which codecs run only when a native addon did not load.
  registerCodecs({ info() {}, warn: (_, message) => process.stderr.write(`${message}\n`) });
  const signals = stopOnSignals();
  const io = {
    signal: signals.controller.signal,
    ...(process.stderr.isTTY ? { progress: process.stderr } : {}),
  };
  try {
    const summary =
      input === undefined || options.lines === undefined
        ? await produce(options, io)
        : await produceLines({ ...options, lines: options.lines }, addAbortSignal(io.signal, input), {
            ...io,
            warn: (line) => process.stderr.write(`${line}\n`),
          });
    console.log(JSON.stringify(summary));
    return 0;
  } finally {
    signals.dispose();
    input?.destroy();
  }
}

/** stdin for `-`, else the file, opened now: SLUICE_USAGE when it cannot be read. */
async function openLines(lines: LinesOptions): Promise<Readable> {
  if (lines.from === '-') return process.stdin;
  const problem = (why: string): UsageError => new UsageError([`--from-file ${lines.from}: ${why}`]);
  const file = await open(lines.from).catch((error: unknown) => {
    throw problem(`cannot open it (${errorText(error)})`);
  });
  if ((await file.stat()).isDirectory()) {
    await file.close();
    throw problem('is a directory, not a file');
  }
  return file.createReadStream();
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
export function produce(options: ProduceOptions, io: ProduceIo = {}): Promise<ProduceSummary> {
  return withProducer(options, ({ producer, partitionCount, failed }) =>
    sendEvents(options, producer, partitionCount, io, failed),
  );
}

/**
 * Writes the lines of `input` to Kafka, one record each (`sendLines`), in requests that fit the
 * topic's max.message.bytes. Throws `SLUICE_KAFKA` as `produce` does, `SLUICE_DECODE` for a bad
 * line under --on-error stop.
 */
export function produceLines(
  options: ProduceOptions & { readonly lines: LinesOptions },
  input: AsyncIterable<Buffer | string>,
  io: LinesIo = {},
): Promise<LinesSummary> {
  return withProducer(options, async ({ producer, admin, partitionCount, failed }) => {
    const maxMessageBytes = await readMaxMessageBytes(admin, options.topic).catch((error: unknown) => {
      process.stderr.write(
        `sluice produce: cannot read the max.message.bytes of topic ${options.topic} (${errorText(error)}); assuming the brokers' default ${DEFAULT_MAX_MESSAGE_BYTES}\n`,
      );
      return DEFAULT_MAX_MESSAGE_BYTES;
    });
    return sendLines(options, input, { producer, partitionCount, maxMessageBytes, failed }, io);
  });
}

type Connected = {
  readonly producer: Producer;
  readonly admin: Admin;
  readonly partitionCount: number;
  /** The SLUICE_KAFKA error for a failed send. */
  readonly failed: (error: unknown) => SluiceError;
};

/** Connects an admin client and a producer, prepares the topic, runs `work`, disconnects. */
async function withProducer<T>(
  options: ProduceOptions,
  work: (connected: Connected) => Promise<T>,
): Promise<T> {
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
    return await work({
      producer,
      admin,
      partitionCount,
      failed: (error) => failed(`sending to topic "${options.topic}" on ${on} failed`, error),
    });
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
  const partitioner = createPartitioner(options.partitioner);
  // kafkajs does not keep concurrent send() calls in order (measured: a partition got records
  // 3000-3999 before 2000-2999); a scenario's records carry event time and per-key sequences, so
  // they go one request at a time.
  const sender = new BatchSender(
    producer,
    options.topic,
    compressionType(options.compression),
    partitionCount,
    options.scenario === undefined ? MAX_IN_FLIGHT : 1,
  );
  const batchSize =
    rate === undefined
      ? options.batchSize
      : Math.min(options.batchSize, Math.ceil(rate / PACED_BATCHES_PER_SECOND));
  const nextRecord =
    options.scenario === undefined ? clickRecords(options) : scenarioRecords(options, options.scenario);
  let next = 0;

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
  const progress = showProgress(io.progress, options.topic, 'events', () => sender.count, start);

  // A function, not a narrowed expression: the signal aborts while we await.
  const stopped = (): boolean => signal?.aborted === true || sender.failed;
  while (next < limit && !stopped()) {
    if (rate !== undefined) {
      const wait = start + (next * 1000) / rate - performance.now();
      if (wait > 0) await sleep(wait, undefined, signal ? { signal } : {}).catch(() => {});
    }
    // Ends an unpaced timed run; a paced one only when the broker fell behind (else `limit` does).
    if (performance.now() >= deadline) break;
    await sender.room();
    if (stopped()) break;

    const size = Math.min(batchSize, limit - next);
    const messages: Message[] = [];
    for (let n = next; n < next + size; n++) {
      const { key, value } = nextRecord(n);
      const partition = partitioner({ key, value }, partitionCount);
      messages.push(
        options.headers === undefined
          ? { key, value, partition }
          : { key, value, partition, headers: options.headers },
      );
    }
    next += size;
    sender.send(messages);
  }
  await sender.drain(failed);
  progress();

  const { totals, perSecond } = sender.totals(start);
  return {
    ...totals,
    eventsPerSecond: perSecond,
    partitioner: options.partitioner,
    seed: options.seed,
    compression: options.compression,
    ...(options.scenario === undefined
      ? {}
      : { scenario: options.scenario.name, inject: options.scenario.inject }),
  };
}

type NextRecord = (n: number) => { readonly key: Buffer | null; readonly value: Buffer };

/** Click event number n: the generator's partitions taken round-robin. */
function clickRecords(options: ProduceOptions): NextRecord {
  const spec = { seed: options.seed, partitions: options.partitions };
  return (n) => {
    const event = clickAt(spec, n % options.partitions, Math.floor(n / options.partitions));
    return {
      key: options.key === 'none' ? null : Buffer.from(event[options.key]),
      value: Buffer.from(JSON.stringify(event)),
    };
  };
}

/** The scenario's records in order (called for n = 0, 1, … in turn); the count bounds the run. */
function scenarioRecords(options: ProduceOptions, choice: ScenarioChoice): NextRecord {
  const records = SCENARIOS[choice.name]
    .records({ seed: options.seed, count: options.count ?? 0, inject: choice.inject })
    [Symbol.iterator]();
  return (n) => {
    const record = records.next();
    if (record.done === true) throw new RangeError(`scenario ${choice.name} ended before record ${n}`);
    return { key: Buffer.from(record.value.key), value: Buffer.from(record.value.value) };
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
