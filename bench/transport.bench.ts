/**
 * How should a partition batch cross from the main thread to its worker slot?
 *
 *   node bench/transport.bench.ts [--rounds 7] [--time 400]
 *
 * One real worker thread (bench/transport-worker.ts) decodes every value as JSON and counts by
 * `status`. For each transport and batch size it measures
 *   - round trip: main encode + postMessage + worker decode/aggregate + reply, one batch in
 *     flight, as records/s from the mean wall-clock latency of a tinybench task (the mean, so the
 *     garbage collection a transport causes counts against it);
 *   - main thread only: the CPU time of encode + postMessage, since the main thread is
 *     Sluice's ceiling. It is read from the process CPU clock (precise, unlike the per-thread
 *     one) while the worker idles, so it counts the main thread plus V8's GC helpers, and
 *     unlike wall time it does not grow when other processes take the cores; and
 *   - the worker's CPU time per batch (receive, decode, aggregate, reply), from the thread CPU
 *     clock, summed over many batches because that clock ticks coarsely.
 * Other processes may share the cores, so rounds interleave the tasks to spread that load over
 * all of them; the table shows the median over `--rounds` rounds, min–max in brackets.
 */

import { availableParallelism, cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { Encoder } from '@msgpack/msgpack';
import { Bench } from 'tinybench';
import {
  type BatchInput,
  encodeBatch,
  encodeBatchWith,
  type KafkaMessageLike,
} from '../src/task/batch-writer.ts';
import { BufferPool } from '../src/task/buffer-pool.ts';
import type { TransportReply, TransportRequest } from './transport-worker.ts';

const { values: args } = parseArgs({
  options: { rounds: { type: 'string', default: '7' }, time: { type: 'string', default: '400' } },
});
const ROUNDS = Number(args.rounds);
const TIME_MS = Number(args.time);
const SIZES = [1_000, 10_000];
const STATUSES = [200, 200, 200, 200, 404, 500, 301, 200];

/**
 * A kafkajs-like batch: like kafkajs's decoder, keys and values are slices of one fetched
 * buffer (here with ~40 bytes of framing per record), offsets and timestamps are strings.
 */
function makeBatch(count: number): BatchInput {
  const fetched = Buffer.alloc(count * 150);
  const messages: KafkaMessageLike[] = [];
  let position = 0;
  for (let i = 0; i < count; i++) {
    const user = `u${(i * 7919) % 1000}`;
    const ts = 1_700_000_000_000 + i;
    const value = `{"ts":${ts},"user":"${user}","url":"/p/${i % 100}","status":${STATUSES[i % STATUSES.length]},"bytes":512,"latencyMs":${i % 50}}`;
    position += 40;
    const keyLength = fetched.write(user, position);
    const key = fetched.subarray(position, position + keyLength);
    position += keyLength;
    const valueLength = fetched.write(value, position);
    messages.push({
      key,
      value: fetched.subarray(position, position + valueLength),
      offset: String(5_000_000 + i),
      timestamp: String(ts),
    });
    position += valueLength;
  }
  return { topic: 'events', partition: 3, messages };
}

function expectedCounts(input: BatchInput): string {
  const counts = new Map<number, number>();
  for (const message of input.messages) {
    const status = (JSON.parse(String(message.value)) as { status: number }).status;
    counts.set(status, (counts.get(status) ?? 0) + 1);
  }
  return JSON.stringify([...counts].sort((a, b) => a[0] - b[0]));
}

const worker = new Worker(new URL('./transport-worker.ts', import.meta.url));
const waiting = new Map<number, (reply: TransportReply) => void>();
worker.on('message', (reply: TransportReply) => {
  const resolve = waiting.get(reply.id);
  waiting.delete(reply.id);
  resolve?.(reply);
});
let nextId = 0;

function post(request: TransportRequest, transfer: ArrayBuffer[] = []): Promise<TransportReply> {
  const reply = new Promise<TransportReply>((resolve) => waiting.set(request.id, resolve));
  worker.postMessage(request, transfer);
  return reply;
}

function postView(
  encoded: { buffer: SharedArrayBuffer | ArrayBuffer; byteLength: number },
  returnBuffer: boolean,
): Promise<TransportReply> {
  const { buffer, byteLength } = encoded;
  const transfer = buffer instanceof ArrayBuffer ? [buffer] : [];
  return post({ type: 'view', id: nextId++, buffer, byteLength, returnBuffer }, transfer);
}

/** Encodes and posts one batch; the promise settles when the worker replied and the buffer is released. */
type Transport = { readonly name: string; send(input: BatchInput): Promise<TransportReply> };

const sabPool = new BufferPool({ maxBuffers: 4 });
/** Transferred ArrayBuffers that came back with a reply: the plain-ArrayBuffer analogue of the pool. */
const returned: ArrayBuffer[] = [];
const msgpack = new Encoder();

const transports: Transport[] = [
  {
    name: '(a) SharedArrayBuffer + pool',
    send(input) {
      const encoded = encodeBatch(input, sabPool);
      return postView(encoded, false).then((reply) => {
        sabPool.release(encoded.buffer);
        return reply;
      });
    },
  },
  {
    name: '(a′) SharedArrayBuffer, new per batch',
    send(input) {
      return postView(encodeBatch(input), false);
    },
  },
  {
    name: '(b) ArrayBuffer transferred, new per batch',
    send(input) {
      return postView(
        encodeBatchWith(input, (bytes) => new ArrayBuffer(bytes)),
        false,
      );
    },
  },
  {
    name: '(b′) ArrayBuffer transferred both ways, reused',
    send(input) {
      const encoded = encodeBatchWith(input, (bytes) => {
        const index = returned.findIndex((buffer) => buffer.byteLength >= bytes);
        return index >= 0
          ? (returned.splice(index, 1)[0] as ArrayBuffer)
          : new ArrayBuffer(2 ** Math.ceil(Math.log2(bytes)));
      });
      return postView(encoded, true).then((reply) => {
        if (reply.buffer !== null && returned.length < 4) returned.push(reply.buffer);
        return reply;
      });
    },
  },
  {
    name: '(c) structured clone of the messages',
    send(input) {
      return post({ type: 'clone', id: nextId++, messages: input.messages });
    },
  },
  {
    name: '(d) msgpack array of values',
    send(input) {
      const payload = msgpack.encode(input.messages.map((message) => message.value));
      return post({ type: 'msgpack', id: nextId++, payload }, [payload.buffer as ArrayBuffer]);
    },
  },
  {
    name: '(d′) msgpack of every field',
    send(input) {
      const { messages } = input;
      const payload = msgpack.encode([
        input.topic,
        input.partition,
        messages.map((message) => message.offset),
        messages.map((message) => message.timestamp),
        messages.map((message) => message.key),
        messages.map((message) => message.value),
      ]);
      return post({ type: 'msgpack-all', id: nextId++, payload }, [payload.buffer as ArrayBuffer]);
    },
  },
];

type Row = {
  transport: string;
  size: number;
  /** Per round: records/s, wall clock, from tinybench's mean latency. */
  roundTrip: number[];
  /** Per round: mean CPU µs per batch for encode + post (process CPU clock; the worker is idle meanwhile). */
  main: number[];
  /** Per round: mean worker CPU µs per batch (receive, decode, aggregate, reply). */
  workerCpu: number[];
};

/** What reading the process CPU clock around nothing reports; subtracted from every sample. */
function cpuClockOverheadMicros(): number {
  let total = 0;
  for (let i = 0; i < 10_000; i++) {
    const usage = process.cpuUsage(process.cpuUsage());
    total += usage.user + usage.system;
  }
  return total / 10_000;
}

async function verify(): Promise<void> {
  for (const size of SIZES) {
    const input = makeBatch(size);
    const expected = expectedCounts(input);
    for (const transport of transports) {
      const reply = await transport.send(input);
      const counts = JSON.stringify([...reply.counts].sort((a, b) => a[0] - b[0]));
      if (reply.records !== size || counts !== expected) {
        throw new Error(
          `${transport.name} at ${size}: got ${reply.records} records ${counts}; expected ${expected}`,
        );
      }
    }
  }
}

function mean(values: number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

/** Fisher–Yates with a seeded PRNG (mulberry32), so a round's task order can be replayed. */
function shuffle<T>(items: T[], seed: number): T[] {
  let state = seed >>> 0;
  for (let i = items.length - 1; i > 0; i--) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const j = Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

/**
 * Encoding alone, no worker: what a new buffer per batch costs against reusing one, and what
 * writing into shared memory costs against a plain ArrayBuffer.
 */
const encoders: { name: string; encode(size: number): (input: BatchInput) => void }[] = [
  {
    name: 'SharedArrayBuffer from the pool',
    encode() {
      const pool = new BufferPool({ maxBuffers: 1 });
      return (input) => pool.release(encodeBatch(input, pool).buffer);
    },
  },
  { name: 'new SharedArrayBuffer', encode: () => (input) => encodeBatch(input) },
  {
    name: 'one reused ArrayBuffer',
    encode(size) {
      const buffer = new ArrayBuffer(size * 256);
      return (input) => encodeBatchWith(input, () => buffer);
    },
  },
  {
    name: 'new ArrayBuffer',
    encode: () => (input) => encodeBatchWith(input, (bytes) => new ArrayBuffer(bytes)),
  },
];
/** `${encoder}|${size}` → per round, mean CPU µs per batch. */
const encodeRows = new Map<string, number[]>();

async function round(rows: Map<string, Row>, overhead: number, seed: number): Promise<void> {
  const bench = new Bench({ time: TIME_MS, warmupTime: 100, throws: true });
  const workerCpu = new Map<string, number[]>();
  // Each round adds the tasks in a different order, so no transport always runs at the same
  // moment of the round (after the same neighbour, in the same phase of others' load).
  const adds: (() => void)[] = [];
  for (const size of SIZES) {
    const input = makeBatch(size);
    for (const transport of transports) {
      adds.push(() =>
        bench.add(`rt|${transport.name}|${size}`, async () => {
          await transport.send(input);
        }),
      );
      const samples: number[] = [];
      workerCpu.set(`${transport.name}|${size}`, samples);
      let lastWorkerCpu = -1;
      adds.push(() =>
        bench.add(
          `main|${transport.name}|${size}`,
          async () => {
            const start = bench.now();
            const cpuStart = process.cpuUsage();
            const pending = transport.send(input);
            const cpu = process.cpuUsage(cpuStart);
            const reply = await pending;
            if (lastWorkerCpu >= 0) samples.push(reply.cpuMicros - lastWorkerCpu);
            lastWorkerCpu = reply.cpuMicros;
            const micros = Math.max(0, cpu.user + cpu.system - overhead);
            return { overriddenDuration: micros / 1000, overriddenIterationCost: bench.now() - start };
          },
          {
            beforeAll() {
              lastWorkerCpu = -1;
            },
          },
        ),
      );
    }
  }
  for (const size of SIZES) {
    const input = makeBatch(size);
    for (const encoder of encoders) {
      const encode = encoder.encode(size);
      adds.push(() =>
        bench.add(`enc|${encoder.name}|${size}`, () => {
          const start = bench.now();
          const cpuStart = process.cpuUsage();
          encode(input);
          const cpu = process.cpuUsage(cpuStart);
          const micros = Math.max(0, cpu.user + cpu.system - overhead);
          return { overriddenDuration: micros / 1000, overriddenIterationCost: bench.now() - start };
        }),
      );
    }
  }
  for (const add of shuffle(adds, seed)) add();
  await bench.run();
  for (const task of bench.tasks) {
    const result = task.result;
    if (result.state !== 'completed') throw new Error(`${task.name}: ${result.state}`);
    const [mode, transport = '', size = '0'] = task.name.split('|');
    const key = `${transport}|${size}`;
    if (mode === 'enc') {
      const samples = encodeRows.get(key) ?? [];
      encodeRows.set(key, samples);
      samples.push(result.latency.mean * 1000);
      continue;
    }
    const row = rows.get(key) ?? { transport, size: Number(size), roundTrip: [], main: [], workerCpu: [] };
    rows.set(key, row);
    if (mode === 'rt') {
      row.roundTrip.push((Number(size) / result.latency.mean) * 1000);
    } else {
      row.main.push(result.latency.mean * 1000);
      row.workerCpu.push(mean(workerCpu.get(key) ?? [Number.NaN]));
    }
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

function spread(values: number[], format: (value: number) => string): string {
  return `${format(median(values))} (${format(Math.min(...values))}–${format(Math.max(...values))})`;
}

const thousands = (value: number): string => `${(value / 1000).toFixed(0)}k`;
const micros = (value: number): string => value.toFixed(0);

await verify();
const overhead = cpuClockOverheadMicros();
const rows = new Map<string, Row>();
for (let r = 1; r <= ROUNDS; r++) {
  process.stderr.write(`round ${r}/${ROUNDS}\n`);
  await round(rows, overhead, r);
}
await worker.terminate();

const model = cpus()[0]?.model ?? 'unknown CPU';
console.log(`Machine: ${availableParallelism()} cores, ${model}, Node ${process.version}`);
console.log(`Command: node bench/transport.bench.ts --rounds ${ROUNDS} --time ${TIME_MS}\n`);
console.log(
  '| Transport | Records/batch | Round trip, records/s (wall) | Main thread CPU (encode + post), µs/batch | Main-thread ceiling, records/s | Worker CPU, µs/batch |',
);
console.log('|---|---:|---:|---:|---:|---:|');
const order = (row: Row): number => transports.findIndex((transport) => transport.name === row.transport);
for (const row of [...rows.values()].sort((a, b) => a.size - b.size || order(a) - order(b))) {
  const ceiling = (row.size / median(row.main)) * 1e6;
  console.log(
    `| ${row.transport} | ${row.size.toLocaleString('en-US')} | ${spread(row.roundTrip, thousands)} | ${spread(row.main, micros)} | ${thousands(ceiling)} | ${spread(row.workerCpu, micros)} |`,
  );
}
console.log('\n| Encode only (no worker) into | Records/batch | Main thread CPU, µs/batch | records/s |');
console.log('|---|---:|---:|---:|');
for (const size of SIZES) {
  for (const encoder of encoders) {
    const samples = encodeRows.get(`${encoder.name}|${size}`) ?? [Number.NaN];
    console.log(
      `| ${encoder.name} | ${size.toLocaleString('en-US')} | ${spread(samples, micros)} | ${thousands((size / median(samples)) * 1e6)} |`,
    );
  }
}
console.log(
  `\nMedian of ${ROUNDS} rounds (min–max). Round trip: wall clock, one batch in flight, from tinybench's mean` +
    ` latency. Main thread: mean process CPU time (process.cpuUsage) of encode + post while the worker idles; the ceiling is records ÷ that. Worker CPU: thread CPU time (process.threadCpuUsage) per batch, averaged over the round. Encode only: mean process CPU time per batch.`,
);
