/**
 * Compressed topics on the Kafka path: `sluice run` (available-now, the built-in `aggregate` job
 * counting by url into a file sink) over the same click events preloaded once per codec, compared
 * with the uncompressed topic. LZ4 and snappy also run with SLUICE_NATIVE=off (the pure codecs).
 *
 *   node bench/compression.bench.ts [--events 500000] [--partitions 4] [--rounds 3] [--codecs none,lz4]
 *
 * Uses the broker in SLUICE_BENCH_BROKERS, or starts a local one in a temp dir. Rounds are
 * interleaved (every variant once per round) so load from other processes spreads over all of them.
 * Each run is a child process with a new consumer group reading from the earliest offset.
 * "wall" is spawn to exit; "consuming" is from the first partition assignment to the engine's stop
 * (pino timestamps), which leaves out Node start-up and the group join.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { brokerLogDir, startBroker, stopBroker } from '../scripts/local-kafka/index.ts';
import { produce } from '../src/cli/produce.ts';
import type { Compression, NativeMode } from '../src/config/index.ts';
import { ignoreKafkajsTimeoutWarning } from '../src/kafka/index.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
ignoreKafkajsTimeoutWarning();

type Variant = { readonly codec: Compression; readonly native: NativeMode };
type Run = { readonly wallMs: number; readonly consumingMs: number; readonly records: number };

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '500000' },
    partitions: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '3' },
    codecs: { type: 'string', default: 'none,gzip,snappy,lz4,zstd' },
  },
});
const EVENTS = Number(values.events);
const PARTITIONS = Number(values.partitions);
const ROUNDS = Number(values.rounds);
const CODECS = values.codecs.split(',') as Compression[];

const VARIANTS: Variant[] = CODECS.flatMap((codec): Variant[] =>
  codec === 'lz4' || codec === 'snappy'
    ? [
        { codec, native: 'auto' },
        { codec, native: 'off' },
      ]
    : [{ codec, native: 'auto' }],
);

function label(variant: Variant): string {
  if (variant.codec === 'none') return 'uncompressed';
  const impl = { lz4: ['lz4-napi', 'native-free'], snappy: ['snappy', 'snappyjs'] } as Record<
    string,
    string[]
  >;
  const names = impl[variant.codec];
  const name = names ? names[variant.native === 'off' ? 1 : 0] : 'node:zlib';
  return `${variant.codec} (${name}${variant.native === 'off' ? ', SLUICE_NATIVE=off' : ''})`;
}

function median(numbers: readonly number[]): number {
  const sorted = [...numbers].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

const thousands = (n: number): string => Math.round(n).toLocaleString('en-US');

/** Bytes of the topic's segment files, when the broker's log dir is on this machine. */
function topicBytes(logDir: string | undefined, topic: string): number | undefined {
  if (!logDir) return undefined;
  let total = 0;
  for (let partition = 0; partition < PARTITIONS; partition++) {
    const dir = join(logDir, `${topic}-${partition}`);
    try {
      for (const name of readdirSync(dir)) if (name.endsWith('.log')) total += statSync(join(dir, name)).size;
    } catch {
      return undefined;
    }
  }
  return total;
}

function runSluice(bootstrap: string, topic: string, variant: Variant, group: string): Promise<Run> {
  const out = mkdtempSync(join(tmpdir(), 'sluice-bench-compression-'));
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('SLUICE_')),
  );
  const env = {
    ...clean,
    SLUICE_BROKERS: bootstrap,
    SLUICE_TOPICS: topic,
    SLUICE_GROUP_ID: group,
    SLUICE_STARTING_OFFSETS: 'earliest',
    SLUICE_TRIGGER: 'available-now',
    SLUICE_SINK: `file:${out}`,
    SLUICE_NATIVE: variant.native,
    SLUICE_LOG_LEVEL: 'info',
  };
  const started = performance.now();
  const child = spawn(process.execPath, ['bin/sluice.js', 'run'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdout.resume();
  return new Promise((resolve, reject) => {
    child.on('close', (code) => {
      const wallMs = performance.now() - started;
      rmSync(out, { recursive: true, force: true });
      if (code !== 0) {
        reject(new Error(`sluice run on ${topic} exited ${code}:\n${stderr}`));
        return;
      }
      const logs = stderr
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { msg?: string; time?: number; records?: number });
      const assigned = logs.find((log) => log.msg === 'partitions assigned')?.time ?? 0;
      const stopped = logs.find((log) => log.msg === 'engine stopped');
      resolve({ wallMs, consumingMs: (stopped?.time ?? 0) - assigned, records: stopped?.records ?? 0 });
    });
  });
}

async function main(): Promise<void> {
  const given = process.env.SLUICE_BENCH_BROKERS;
  const brokerDir = given ? undefined : mkdtempSync(join(tmpdir(), 'sluice-bench-compression-kafka-'));
  const bootstrap = given ?? (await startBroker({ dir: brokerDir ?? '', log: () => {} })).bootstrap;
  const kafka = new Kafka({
    clientId: 'bench-compression',
    brokers: [bootstrap],
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const logDir = await brokerLogDir(admin).catch(() => undefined);
    const stamp = `${process.pid}-${Date.now()}`;
    const topics = new Map<Compression, string>();
    const preload: string[] = [];
    for (const codec of CODECS) {
      const topic = `bench-compression-${codec}-${stamp}`;
      const summary = await produce({
        brokers: [bootstrap],
        topic,
        count: EVENTS,
        partitions: PARTITIONS,
        partitioner: 'murmur2',
        seed: 42,
        compression: codec,
        batchSize: 1000,
        key: 'user',
        create: true,
      });
      topics.set(codec, topic);
      const bytes = topicBytes(logDir, topic);
      preload.push(
        `| ${codec} | ${thousands(summary.count)} | ${bytes === undefined ? 'n/a' : `${(bytes / 2 ** 20).toFixed(1)} MiB`} |`,
      );
    }
    const load = [loadavg()[0]?.toFixed(2) ?? '?'];
    const runs = new Map<Variant, Run[]>(VARIANTS.map((variant) => [variant, []]));
    let group = 0;
    for (let round = 0; round < ROUNDS; round++) {
      for (const variant of VARIANTS) {
        const topic = topics.get(variant.codec) ?? '';
        const run = await runSluice(bootstrap, topic, variant, `bench-compression-${stamp}-${++group}`);
        if (run.records !== EVENTS)
          throw new Error(`${label(variant)}: ${run.records} records, expected ${EVENTS}`);
        runs.get(variant)?.push(run);
        process.stderr.write(`round ${round + 1} ${label(variant)}: ${Math.round(run.wallMs)} ms\n`);
      }
    }
    load.push(loadavg()[0]?.toFixed(2) ?? '?');

    const uncompressed = VARIANTS.find((variant) => variant.codec === 'none');
    const base = uncompressed
      ? median((runs.get(uncompressed) ?? []).map((run) => run.consumingMs))
      : Number.NaN;
    const lines = [
      `Machine: ${availableParallelism()} CPUs, ${cpus()[0]?.model.trim()}, Node ${process.version}; load average ${load.join(' → ')} (1 min, start → end).`,
      `${thousands(EVENTS)} click events over ${PARTITIONS} partitions, ${ROUNDS} interleaved rounds; medians, min–max in brackets.`,
      '',
      '| Topic | Events | On disk |',
      '|---|---:|---:|',
      ...preload,
      '',
      '| Codec (implementation) | events/s, wall | events/s, consuming | consuming vs uncompressed |',
      '|---|---:|---:|---:|',
      ...VARIANTS.map((variant) => {
        const list = runs.get(variant) ?? [];
        const rate = (ms: number) => (EVENTS * 1000) / ms;
        const wall = list.map((run) => rate(run.wallMs));
        const consuming = list.map((run) => rate(run.consumingMs));
        const range = (xs: number[]) => `${thousands(Math.min(...xs))}–${thousands(Math.max(...xs))}`;
        const ratio = base / median(list.map((run) => run.consumingMs));
        const versus = Number.isNaN(ratio) ? '—' : `${ratio.toFixed(2)}×`;
        return `| ${label(variant)} | ${thousands(median(wall))} (${range(wall)}) | ${thousands(median(consuming))} (${range(consuming)}) | ${versus} |`;
      }),
    ];
    console.log(lines.join('\n'));
  } finally {
    await admin.disconnect();
    if (brokerDir) {
      await stopBroker(brokerDir);
      rmSync(brokerDir, { recursive: true, force: true });
    }
  }
}

await main();
