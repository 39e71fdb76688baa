// One measurement: a configuration over the preloaded topic (catch-up), or at one input rate (latency), as a child process.

import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Kafka } from 'kafkajs';
import type { Compression } from '../config/index.ts';
import { LatencyHistogram, siblingModule } from '../core/index.ts';
import { ErrorCode, SluiceError } from '../errors/index.ts';
import { kafkaCluster, RawProducer } from '../kafka/index.ts';
import { type ChildExit, exited, logNumber, type RunningChild, SLUICE_BIN, startNode } from './child.ts';
import type { EventShape } from './events.ts';
import { latencyFigures } from './latency-figures.ts';
import type { ReferenceDone } from './reference-consumer.ts';
import type { BenchConfig, LatencyFigures } from './results.ts';
import { createTopic, producePaced, recordsIn } from './topics.ts';

const REFERENCE = fileURLToPath(siblingModule('./reference-consumer.ts', import.meta.url));

/** A catch-up run that takes longer than this is stuck, not slow. */
const CATCH_UP_TIMEOUT_MS = 15 * 60_000;
/** The most bytes of one produce request of the paced producer. */
const REQUEST_BYTES = 16 * 2 ** 20;
/** How long a latency run may take after producing to count the last records. */
const DRAIN_MS = 30_000;
/**
 * Seconds a latency run produces at its rate before it measures: a new process's first batches
 * run cold (compiling, opening files, the first fetch sessions) and take several times longer.
 */
export const WARM_UP_SECONDS = 2;

export type MeasureContext = {
  readonly brokers: string;
  readonly kafka: Kafka;
  /**
   * The job: `aggregate`, `window` (the aggregate job over a sliding event-time window),
   * `running-count` (a count per key since the start, in keyed state) or a job file.
   */
  readonly job: string;
  readonly shape: EventShape;
  readonly partitions: number;
  readonly compression: Compression;
  readonly log: (line: string) => void;
};

export type CatchUpRound = {
  readonly processed: number;
  readonly eventsPerSecond: number;
  readonly cpuSeconds: number;
  readonly peakRssMiB: number;
};

export type LatencyRound = {
  readonly produced: number;
  readonly producedRate: number;
  readonly processed: number;
  readonly latency: LatencyFigures;
};

let runs = 0;
/** A name of this bench process's own: groups and topics never meet those of another run. */
function unique(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now()}-${++runs}`;
}

/** A configuration's variables for a catch-up run: available-now has no interval and takes no latency target. */
export function catchUpEnv(env: Readonly<Record<string, string>>): Record<string, string> {
  const {
    SLUICE_TRIGGER: _trigger,
    SLUICE_BATCH_INTERVAL_MS: _interval,
    SLUICE_TARGET_LATENCY_MS: _target,
    ...rest
  } = env;
  return rest;
}

/** The SLUICE_* variables (or the job file argument) of the workload's job. */
export function jobEnv(job: string): { env: Record<string, string>; args: string[] } {
  if (job === 'aggregate') return { env: {}, args: [] };
  if (job === 'running-count') return { env: { SLUICE_JOB: 'running-count' }, args: [] };
  if (job === 'window') {
    return {
      env: {
        SLUICE_WINDOW_MS: '10000',
        SLUICE_SLIDE_MS: '2000',
        SLUICE_TIME: 'event',
        SLUICE_TIMESTAMP_FIELD: 'ts',
      },
      args: [],
    };
  }
  return { env: {}, args: [job] };
}

/**
 * The configuration over the preloaded `topic` from its start to its end (`available-now`,
 * whatever the configuration's trigger): events per second from joining the group to the end,
 * CPU time and peak memory of the whole process. Throws when the run fails.
 */
export async function catchUpOnce(
  context: MeasureContext,
  config: BenchConfig,
  topic: string,
): Promise<CatchUpRound> {
  const sink = await sinkFor(context, config);
  try {
    const child = startSluice(
      context,
      { ...config, env: catchUpEnv(config.env) },
      topic,
      sink.env,
      await freePort(),
      {
        SLUICE_TRIGGER: 'available-now',
      },
    );
    const exit = await exited(child, `sluice run (${config.label})`, CATCH_UP_TIMEOUT_MS);
    const processed = logNumber(exit.logs, 'sluice finished', 'records');
    const seconds =
      (logNumber(exit.logs, 'sluice finished', 'time') -
        logNumber(exit.logs, 'partitions assigned', 'time')) /
      1000;
    return { processed, eventsPerSecond: processed / seconds, ...usageOf(exit, config.label) };
  } finally {
    await sink.close();
  }
}

/** The kafkajs reference over the preloaded topic, as catchUpOnce measures Sluice. */
export async function referenceCatchUp(
  context: MeasureContext,
  topic: string,
  events: number,
): Promise<CatchUpRound> {
  const child = startNode(REFERENCE, [], {
    BENCH_BROKERS: context.brokers,
    BENCH_TOPIC: topic,
    BENCH_GROUP: unique('sluice-bench-reference'),
    BENCH_EXPECTED: String(events),
  });
  let done: ReferenceDone | undefined;
  child.onStdoutJson((line) => {
    if (line.done === true) done = line as ReferenceDone;
  });
  const exit = await exited(child, 'the kafkajs reference', CATCH_UP_TIMEOUT_MS);
  if (!done)
    throw new SluiceError(ErrorCode.bench, `the kafkajs reference ended without its result:\n${exit.tail}`);
  const seconds = (done.lastAt - done.joinedAt) / 1000;
  return { processed: done.records, eventsPerSecond: done.records / seconds, ...usageOf(exit, 'kafkajs') };
}

/**
 * The configuration as it runs for real (its own trigger) on a fresh topic fed at `rate` events
 * per second for `seconds`: each record's end-to-end latency as the engine counts it
 * (/api/latency), once every record was counted or DRAIN_MS after the end of producing.
 */
export async function latencyOnce(
  context: MeasureContext,
  config: BenchConfig,
  rate: number,
  seconds: number,
): Promise<LatencyRound> {
  const topic = await freshTopic(context, 'sluice-bench-latency');
  const sink = await sinkFor(context, config);
  const port = await freePort();
  const child = startSluice(context, config, topic, sink.env, port);
  const url = `http://127.0.0.1:${port}`;
  try {
    await untilReady(url, child, config.label);
    return await measureAtRate(context, topic, rate, seconds, child, (records) =>
      drained(url, records, child),
    );
  } finally {
    await child.stop();
    await sink.close();
  }
}

/** The kafkajs reference at `rate`, as latencyOnce measures Sluice. */
export async function referenceLatency(
  context: MeasureContext,
  rate: number,
  seconds: number,
): Promise<LatencyRound> {
  const topic = await freshTopic(context, 'sluice-bench-latency');
  const child = startNode(REFERENCE, [], {
    BENCH_BROKERS: context.brokers,
    BENCH_TOPIC: topic,
    BENCH_GROUP: unique('sluice-bench-reference'),
  });
  let seen = new LatencyHistogram();
  let joined = false;
  child.onStdoutJson((line) => {
    if (Array.isArray(line.sparse)) seen = LatencyHistogram.fromSparse(line.sparse as number[]);
    if (line.joined === true) joined = true;
  });
  const counted = async (records: number): Promise<LatencyHistogram> => {
    const until = Date.now() + DRAIN_MS;
    while (seen.count < records && Date.now() < until && child.process.exitCode === null) await sleep(50);
    return seen;
  };
  try {
    // Records produced before it joined would count the join as latency.
    const deadline = Date.now() + 120_000;
    while (!joined && Date.now() < deadline && child.process.exitCode === null) await sleep(50);
    if (!joined)
      throw new SluiceError(ErrorCode.bench, 'the kafkajs reference did not join its group within 120 s');
    return await measureAtRate(context, topic, rate, seconds, child, counted);
  } finally {
    await child.stop();
  }
}

/**
 * Produces at `rate` for WARM_UP_SECONDS, waits for those records to be counted, then for
 * `seconds` more: the latencies `read` counted between the two reads, once the second has all.
 */
async function measureAtRate(
  context: MeasureContext,
  topic: string,
  rate: number,
  seconds: number,
  child: RunningChild,
  read: (records: number) => Promise<LatencyHistogram>,
): Promise<LatencyRound> {
  const cluster = kafkaCluster(context.kafka);
  const producer = new RawProducer(cluster, { maxRequestBytes: REQUEST_BYTES });
  const admin = context.kafka.admin();
  await admin.connect();
  try {
    const produce = (span: number) =>
      producePaced(producer, topic, context.partitions, context.shape, context.compression, rate, span);
    // What the topic holds is what was produced: a send tried again may have written twice.
    const held = async (): Promise<number> => (await recordsIn(admin, topic)).records;
    await produce(WARM_UP_SECONDS);
    const warm = await held();
    const before = await read(warm);
    const paced = await produce(seconds);
    const produced = (await held()) - warm;
    const after = await read(warm + produced);
    await child.stop();
    const counted = LatencyHistogram.between(before, after);
    return {
      produced,
      producedRate: produced / paced.seconds,
      processed: counted.count,
      latency: latencyFigures(counted),
    };
  } finally {
    await admin.disconnect();
    await cluster.disconnect();
  }
}

/** `sluice run` of the configuration over `topic`, in a new group from the start, its admin server on `port`. */
function startSluice(
  context: MeasureContext,
  config: BenchConfig,
  topic: string,
  sinkEnv: Record<string, string>,
  port: number,
  more: Record<string, string> = {},
): RunningChild {
  const job = jobEnv(context.job);
  return startNode(SLUICE_BIN, ['run', ...job.args], {
    ...config.env,
    ...job.env,
    ...sinkEnv,
    SLUICE_BROKERS: context.brokers,
    SLUICE_TOPICS: topic,
    SLUICE_GROUP_ID: unique('sluice-bench'),
    SLUICE_STARTING_OFFSETS: 'earliest',
    SLUICE_HTTP_PORT: String(port),
    SLUICE_LOG_LEVEL: 'info',
    ...more,
  });
}

function usageOf(exit: ChildExit, label: string): { cpuSeconds: number; peakRssMiB: number } {
  if (!exit.usage) throw new SluiceError(ErrorCode.bench, `${label}: the run did not report its CPU time`);
  return exit.usage;
}

/** Where the configuration's results go: a temp dir for files, a fresh topic for Kafka. */
async function sinkFor(
  context: MeasureContext,
  config: BenchConfig,
): Promise<{ env: Record<string, string>; close(): Promise<void> }> {
  if (config.axes.sink === 'kafka') {
    const topic = await freshTopic(context, 'sluice-bench-out');
    return { env: { SLUICE_SINK: `kafka:${topic}` }, close: () => deleteTopic(context, topic) };
  }
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-out-'));
  return {
    env: { SLUICE_SINK: `file:${dir}` },
    close: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

async function freshTopic(context: MeasureContext, prefix: string): Promise<string> {
  const topic = unique(prefix);
  const admin = context.kafka.admin();
  await admin.connect();
  try {
    await createTopic(admin, topic, context.partitions);
  } finally {
    await admin.disconnect();
  }
  return topic;
}

async function deleteTopic(context: MeasureContext, topic: string): Promise<void> {
  const admin = context.kafka.admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics: [topic] });
  } finally {
    await admin.disconnect();
  }
}

/** A port free now, for a child's admin server. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

async function getJson(url: string): Promise<unknown> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return response.ok ? await response.json() : undefined;
  } catch {
    return undefined;
  }
}

/** Waits for the child's /readyz (partitions assigned); its exit first is an error. */
async function untilReady(url: string, child: RunningChild, label: string): Promise<void> {
  let exitedEarly = false;
  void child.exit.then(() => {
    exitedEarly = true;
  });
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (exitedEarly) {
      const exit = await child.exit;
      throw new SluiceError(
        ErrorCode.bench,
        `sluice run (${label}) exited before it was ready:\n${exit.tail}`,
      );
    }
    const ready = await getJson(`${url}/readyz`);
    if (typeof ready === 'object' && ready !== null && 'status' in ready && ready.status === 'ready') return;
    await sleep(100);
  }
  throw new SluiceError(ErrorCode.bench, `sluice run (${label}) was not ready within 120 s`);
}

/** /api/latency once it counted `produced` records, or DRAIN_MS after it was asked first. */
async function drained(url: string, produced: number, child: RunningChild): Promise<LatencyHistogram> {
  const deadline = Date.now() + DRAIN_MS;
  let last = new LatencyHistogram();
  while (Date.now() < deadline && child.process.exitCode === null) {
    const answer = await getJson(`${url}/api/latency`);
    if (typeof answer === 'object' && answer !== null && 'sparse' in answer && Array.isArray(answer.sparse)) {
      last = LatencyHistogram.fromSparse(answer.sparse as number[]);
      if (last.count >= produced) return last;
    }
    await sleep(100);
  }
  return last;
}
