/**
 * LZ4 frames: the lz4-napi native addon against Sluice's pure TypeScript fallback (native-free/).
 *
 *   node bench/lz4.bench.ts [--rounds 7] [--time 300]
 *
 * Inputs: JSON click events like Kafka record values, concatenated to 1 KB, 64 KB and 1 MB, and
 * random bytes of the same sizes. For each input it times compression with each library, and
 * decompression by each library of the same frame (the one native-free writes, which matches
 * what Kafka's Java client writes: 64 KB independent blocks, no checksums). Small inputs run
 * several times per sample so timer overhead stays negligible. Other processes may share the
 * cores, so rounds interleave the tasks in a different order each time; the table shows the
 * median MB/s (MB = 10^6 bytes of uncompressed data) over the rounds, min–max in brackets.
 */

import { availableParallelism, cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import * as napi from 'lz4-napi';
import { Bench } from 'tinybench';
import { compressFrame, decompressFrame } from '../native-free/lz4/index.ts';

const { values: args } = parseArgs({
  options: { rounds: { type: 'string', default: '7' }, time: { type: 'string', default: '300' } },
});
const ROUNDS = Number(args.rounds);
const TIME_MS = Number(args.time);

/** A small deterministic PRNG (mulberry32), so every run compresses the same bytes. */
function prng(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function clickEvents(size: number): Uint8Array {
  const random = prng(17);
  const statuses = [200, 200, 200, 200, 200, 304, 404, 500];
  let text = '';
  for (let ts = 1_767_225_600_000; text.length < size; ts += Math.floor(random() * 40)) {
    const user = `u${Math.floor(random() * 5000)}`;
    const url = `/p/${Math.floor(random() * 500)}`;
    const status = statuses[Math.floor(random() * statuses.length)];
    const bytes = 200 + Math.floor(random() * 4000);
    const latency = Math.floor(random() * 250);
    text += `{"ts":${ts},"user":"${user}","url":"${url}","status":${status},"bytes":${bytes},"latencyMs":${latency}}`;
  }
  return new TextEncoder().encode(text.slice(0, size));
}

function randomBytes(size: number): Uint8Array {
  const random = prng(99);
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = Math.floor(random() * 256);
  return bytes;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

interface Case {
  readonly name: string;
  readonly input: Uint8Array;
  readonly buffer: Buffer;
  readonly frame: Uint8Array;
  readonly frameBuffer: Buffer;
  readonly napiFrameLength: number;
  /** Calls per timed sample. */
  readonly reps: number;
}

const cases: Case[] = [];
for (const [kind, make] of [
  ['JSON events', clickEvents],
  ['random bytes', randomBytes],
] as const) {
  for (const [label, size] of [
    ['1 KB', 1024],
    ['64 KB', 65_536],
    ['1 MB', 1_048_576],
  ] as const) {
    const input = make(size);
    const frame = compressFrame(input);
    const buffer = asBuffer(input);
    const napiFrame = napi.compressFrameSync(buffer);
    // The benchmark is only worth something if every path round-trips.
    for (const decoded of [napi.decompressFrameSync(asBuffer(frame)), decompressFrame(napiFrame)]) {
      if (Buffer.compare(asBuffer(decoded), buffer) !== 0)
        throw new Error(`${kind} ${label}: round trip failed`);
    }
    cases.push({
      name: `${kind}, ${label}`,
      input,
      buffer,
      frame,
      frameBuffer: asBuffer(frame),
      napiFrameLength: napiFrame.length,
      reps: Math.max(1, Math.floor(262_144 / size)),
    });
  }
}

const OPERATIONS = ['compress', 'decompress'] as const;
const LIBRARIES = ['lz4-napi', 'native-free'] as const;
type Key = `${string}|${(typeof OPERATIONS)[number]}|${(typeof LIBRARIES)[number]}`;

function task(
  c: Case,
  operation: (typeof OPERATIONS)[number],
  library: (typeof LIBRARIES)[number],
): () => void {
  const { reps } = c;
  if (operation === 'compress') {
    return library === 'lz4-napi'
      ? () => {
          for (let i = 0; i < reps; i++) napi.compressFrameSync(c.buffer);
        }
      : () => {
          for (let i = 0; i < reps; i++) compressFrame(c.input);
        };
  }
  return library === 'lz4-napi'
    ? () => {
        for (let i = 0; i < reps; i++) napi.decompressFrameSync(c.frameBuffer);
      }
    : () => {
        for (let i = 0; i < reps; i++) decompressFrame(c.frame);
      };
}

const samples = new Map<Key, number[]>();
const random = prng(5);
const loadBefore = loadavg()[0] ?? 0;
for (let round = 0; round < ROUNDS; round++) {
  const bench = new Bench({ time: TIME_MS, warmupTime: 50, throws: true });
  const entries: [Key, () => void][] = [];
  for (const c of cases) {
    for (const operation of OPERATIONS) {
      for (const library of LIBRARIES)
        entries.push([`${c.name}|${operation}|${library}`, task(c, operation, library)]);
    }
  }
  // Shuffle, so no task always runs first or last in a round.
  for (let i = entries.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [entries[i], entries[j]] = [entries[j] as [Key, () => void], entries[i] as [Key, () => void]];
  }
  for (const [key, fn] of entries) bench.add(key, fn);
  await bench.run();
  for (const t of bench.tasks) {
    const result = t.result;
    if (result.state !== 'completed') throw new Error(`${t.name}: ${result.state}`);
    const c = cases.find((candidate) => t.name.startsWith(`${candidate.name}|`));
    if (c === undefined) throw new Error(`unknown task ${t.name}`);
    // MB/s of uncompressed data, from the median sample (ms).
    const mbPerSecond = (c.input.length * c.reps) / (result.latency.p50 * 1000);
    const list = samples.get(t.name as Key) ?? [];
    list.push(mbPerSecond);
    samples.set(t.name as Key, list);
  }
  process.stderr.write(`round ${round + 1}/${ROUNDS} done\n`);
}
const loadAfter = loadavg()[0] ?? 0;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

function format(value: number): string {
  return value >= 100 ? value.toFixed(0) : value.toFixed(1);
}

function spread(key: Key): string {
  const values = samples.get(key) ?? [];
  return `${format(median(values))} (${format(Math.min(...values))}–${format(Math.max(...values))})`;
}

function ratio(key: Key, over: Key): string {
  return `${((median(samples.get(key) ?? []) / median(samples.get(over) ?? [])) * 100).toFixed(0)}%`;
}

console.log(
  `Machine: ${availableParallelism()} cores, ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}; ` +
    `load average ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after; ${ROUNDS} rounds × ${TIME_MS} ms per task.`,
);
console.log();
console.log(
  '| Input | Frame bytes, lz4-napi / native-free | Compress MB/s, lz4-napi | Compress MB/s, native-free | native-free / native | Decompress MB/s, lz4-napi | Decompress MB/s, native-free | native-free / native |',
);
console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
for (const c of cases) {
  const k = (operation: (typeof OPERATIONS)[number], library: (typeof LIBRARIES)[number]): Key =>
    `${c.name}|${operation}|${library}`;
  console.log(
    `| ${c.name} | ${c.napiFrameLength.toLocaleString('en-US')} / ${c.frame.length.toLocaleString('en-US')} | ` +
      `${spread(k('compress', 'lz4-napi'))} | ${spread(k('compress', 'native-free'))} | ${ratio(k('compress', 'native-free'), k('compress', 'lz4-napi'))} | ` +
      `${spread(k('decompress', 'lz4-napi'))} | ${spread(k('decompress', 'native-free'))} | ${ratio(k('decompress', 'native-free'), k('decompress', 'lz4-napi'))} |`,
  );
}

// At 1 MB, lz4-napi's speed swings by up to 10× between rounds, together with the kernel time
// of the process, so the medians above say more about memory than about the codecs. Per-call
// latencies over a plain loop show both: p10 is the codec at its best, p90 the slow mode.
const CALLS = 200;
console.log();
console.log(`Per-call latency over ${CALLS} calls in a plain loop, 1 MB inputs (ms; MB/s at p10):`);
console.log();
console.log('| Input | Operation | Library | p10 | p50 | p90 | MB/s at p10 | CPU user / system, ms |');
console.log('|---|---|---|---:|---:|---:|---:|---:|');
for (const c of cases.filter((candidate) => candidate.input.length === 1_048_576)) {
  for (const operation of OPERATIONS) {
    for (const library of LIBRARIES) {
      const fn = task({ ...c, reps: 1 }, operation, library);
      const latencies: number[] = [];
      const cpuBefore = process.cpuUsage();
      for (let i = 0; i < CALLS; i++) {
        const start = performance.now();
        fn();
        latencies.push(performance.now() - start);
      }
      const cpu = process.cpuUsage(cpuBefore);
      latencies.sort((a, b) => a - b);
      const at = (q: number): number => latencies[Math.floor(q * (CALLS - 1))] as number;
      console.log(
        `| ${c.name} | ${operation} | ${library} | ${at(0.1).toFixed(2)} | ${at(0.5).toFixed(2)} | ${at(0.9).toFixed(2)} | ` +
          `${format(c.input.length / (at(0.1) * 1000))} | ${(cpu.user / 1000).toFixed(0)} / ${(cpu.system / 1000).toFixed(0)} |`,
      );
    }
  }
}
