// `sluice bench`: the command line of the benchmark — a sweep of configurations, catch-up and latency modes, the report.

import { resolve } from 'node:path';
import {
  type BenchPlan,
  checkEstimate,
  expandSweep,
  recommend,
  runBench,
  type SweepAxes,
  type TriggerChoice,
  writeReport,
} from '../bench/index.ts';
import { COMPRESSIONS, loadKafkaSecurity } from '../config/index.ts';
import { choiceFlag, integerFlag, readFlags, UsageError } from './args.ts';
import { sluiceVersion } from './doctor.ts';

export const BENCH_USAGE = `usage: sluice bench [options]

Measures throughput against latency for each configuration of a sweep, against the brokers of
SLUICE_BROKERS or, when it is unset, a single-node broker it starts itself (the local-Kafka script:
Java 17 and the Kafka jars from Maven Central). Writes results.json, report.md and SVG charts into
--out, and prints where. Lists take comma-separated values; a sweep is every combination.

Modes
  --mode <m>              both | catch-up | latency (default both)
                          catch-up: the preloaded events read from the start, as fast as it goes:
                            events/s, CPU seconds per million events, peak RSS;
                          latency: fixed input rates (--rates, % of each configuration's catch-up
                            capacity) for --duration seconds: end-to-end latency p50/p90/p99/p99.9/max
  --capacity <ev/s>       with --mode latency: the capacity the rates are percentages of

Workload
  --job <job>             aggregate (count per key per batch) | window (count per key over a 10 s
                          window sliding by 2 s, event time) | running-count (count per key since
                          the start, in keyed state) | a job file (default aggregate)
  --events <n>            events preloaded for catch-up (default 1000000; --quick 20000)
  --partitions <n>        partitions of the bench topics (default 8; --quick 4)
  --value-bytes <n>       bytes per JSON value (default 100)
  --keys <n>              distinct keys (default 1000)
  --key-skew <s>          Zipf exponent of the keys: 0 uniform, 1 long tail (default 0)
  --compression <c>       ${COMPRESSIONS.join(' | ')}: the input topics' (default none)
  --seed <n>              seed of the events: the same seed gives the same events (default 1)

Sweep (SLUICE_* variable in brackets; an axis not given keeps Sluice's default)
  --trigger <list>        micro-batch:<ms> and continuous (default micro-batch:100,continuous)
                          [SLUICE_TRIGGER, SLUICE_BATCH_INTERVAL_MS]
  --workers <list>        worker slots (default 1,2) [SLUICE_WORKERS]
  --max-records <list>    records per batch [SLUICE_MAX_RECORDS_PER_BATCH]
  --max-bytes <list>      bytes per batch [SLUICE_MAX_BYTES_PER_BATCH]
  --fetch-max-bytes <list> bytes per fetch [SLUICE_FETCH_MAX_BYTES]
  --backpressure <list>   off,on [SLUICE_BACKPRESSURE]
  --guarantee <list>      at-least-once,exactly-once [SLUICE_GUARANTEE]
  --sink <list>           file,kafka: where results go (a temp dir, a fresh topic) (default file)
  --sink-compression <list> ${COMPRESSIONS.join(',')} [SLUICE_SINK_COMPRESSION]
  --target-latency <list> p99 targets in ms for the latency tuner, off for none (latency mode;
                          catch-up runs without) [SLUICE_TARGET_LATENCY_MS]

Runs
  --rates <list>          latency mode's rates, % of capacity (default 10,25,50,75,90; --quick 25,50)
  --duration <s>          seconds each rate is produced for (default 20; --quick 3)
  --rounds <n>            catch-up runs of each configuration, interleaved (default 3; --quick 1)
  --no-reference          leave out the plain kafkajs consumer's row
  --max-minutes <m>       refuse a sweep estimated to take longer (default 60)
  --quick                 a short sweep (the smaller defaults above, workers 1)

Output
  --out <dir>             where results.json, report.md and the charts go (default bench-results)
  --target-p99 <ms>       also print the configuration with the most events/s whose p99 met it,
                          as SLUICE_* lines to paste
  --json                  print results.json on stdout instead of the summary (progress stays on stderr)
  -h, --help              print this text

Progress goes to stderr: the step (i of n), elapsed time and an estimate of what is left.
Docs: docs/tuning.md (what the figures mean, and this machine's), docs/performance.md.`;

const FLAGS = {
  mode: { type: 'string' },
  capacity: { type: 'string' },
  job: { type: 'string' },
  events: { type: 'string' },
  partitions: { type: 'string' },
  'value-bytes': { type: 'string' },
  keys: { type: 'string' },
  'key-skew': { type: 'string' },
  compression: { type: 'string' },
  seed: { type: 'string' },
  trigger: { type: 'string' },
  workers: { type: 'string' },
  'max-records': { type: 'string' },
  'max-bytes': { type: 'string' },
  'fetch-max-bytes': { type: 'string' },
  backpressure: { type: 'string' },
  guarantee: { type: 'string' },
  sink: { type: 'string' },
  'sink-compression': { type: 'string' },
  'target-latency': { type: 'string' },
  rates: { type: 'string' },
  duration: { type: 'string' },
  rounds: { type: 'string' },
  'no-reference': { type: 'boolean' },
  'max-minutes': { type: 'string' },
  quick: { type: 'boolean' },
  out: { type: 'string' },
  'target-p99': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const MODES = ['both', 'catch-up', 'latency'] as const;

export type BenchArgs =
  | { readonly help: true }
  | {
      readonly help: false;
      readonly plan: BenchPlan;
      readonly out: string;
      readonly json: boolean;
      readonly targetP99Ms: number | undefined;
    };

/**
 * Parses `sluice bench` flags into a plan (every problem in one UsageError, SLUICE_USAGE).
 *
 * @example
 * parseBenchArgs(['--quick', '--workers', '1,2'], process.env);
 */
export function parseBenchArgs(args: readonly string[], env: NodeJS.ProcessEnv): BenchArgs {
  const { values, problems } = readFlags(args, FLAGS);
  if (values.help === true) return { help: true };
  const quick = values.quick === true;
  const mode = choiceFlag(problems, 'mode', values.mode, MODES, 'both');
  const capacity = integerFlag(problems, 'capacity', values.capacity, { min: 1 }, undefined);
  if (mode === 'latency' && capacity === undefined)
    problems.push('--mode latency needs --capacity <events/s>');
  const list = <T>(
    name: string,
    raw: string | undefined,
    fallback: readonly T[],
    parse: (item: string) => T | undefined,
  ): T[] => {
    if (raw === undefined) return [...fallback];
    const items = raw.split(',').map((item) => item.trim());
    const parsed = items.map(parse);
    const bad = items.filter((_, i) => parsed[i] === undefined);
    if (bad.length > 0 || items.length === 0) {
      problems.push(
        `--${name} has values it cannot take: ${bad.map((item) => JSON.stringify(item)).join(', ')}`,
      );
      return [...fallback];
    }
    return parsed as T[];
  };
  const positive = (item: string): number | undefined => {
    const value = Number(item);
    return /^\d+$/.test(item) && Number.isSafeInteger(value) && value >= 1 ? value : undefined;
  };
  const oneOf =
    <const C extends readonly string[]>(choices: C) =>
    (item: string): C[number] | undefined =>
      choices.find((choice) => choice === item);
  const axes: SweepAxes = {
    trigger: list('trigger', values.trigger, DEFAULT_TRIGGERS, triggerChoice),
    workers: list('workers', values.workers, quick ? [1] : [1, 2], positive),
    maxRecords: list('max-records', values['max-records'], [], positive),
    maxBytes: list('max-bytes', values['max-bytes'], [], positive),
    fetchMaxBytes: list('fetch-max-bytes', values['fetch-max-bytes'], [], positive),
    backpressure: list('backpressure', values.backpressure, [], (item) =>
      item === 'on' ? true : item === 'off' ? false : undefined,
    ),
    guarantee: list('guarantee', values.guarantee, [], oneOf(['at-least-once', 'exactly-once'] as const)),
    sink: list('sink', values.sink, ['file'], oneOf(['file', 'kafka'] as const)),
    sinkCompression: list('sink-compression', values['sink-compression'], [], oneOf(COMPRESSIONS)),
    targetLatency: list('target-latency', values['target-latency'], [], (item) =>
      item === 'off' ? 0 : positive(item),
    ),
  };
  const keySkew = Number(values['key-skew'] ?? '0');
  if (!(Number.isFinite(keySkew) && keySkew >= 0 && keySkew <= 3)) {
    problems.push(`--key-skew must be a number from 0 to 3; got ${JSON.stringify(values['key-skew'])}`);
  }
  const targetP99Ms = integerFlag(problems, 'target-p99', values['target-p99'], { min: 1 }, undefined);
  const workload = {
    job: values.job ?? 'aggregate',
    events: integerFlag(problems, 'events', values.events, { min: 1 }, quick ? 20_000 : 1_000_000),
    partitions: integerFlag(problems, 'partitions', values.partitions, { min: 1, max: 1024 }, quick ? 4 : 8),
    valueBytes: integerFlag(problems, 'value-bytes', values['value-bytes'], { min: 1, max: 1_000_000 }, 100),
    keys: integerFlag(problems, 'keys', values.keys, { min: 1, max: 10_000_000 }, 1000),
    keySkew,
    compression: choiceFlag(problems, 'compression', values.compression, COMPRESSIONS, 'none'),
    seed: integerFlag(problems, 'seed', values.seed, {}, 1),
    durationSeconds: integerFlag(
      problems,
      'duration',
      values.duration,
      { min: 1, max: 3600 },
      quick ? 3 : 20,
    ),
  };
  const rates = list('rates', values.rates, quick ? [25, 50] : [10, 25, 50, 75, 90], (item) => {
    const value = positive(item);
    return value !== undefined && value <= 200 ? value : undefined;
  });
  const plan: BenchPlan = {
    brokers: env.SLUICE_BROKERS?.trim() || undefined,
    security: loadKafkaSecurity(env),
    catchUp: mode !== 'latency',
    latency: mode !== 'catch-up',
    capacity,
    workload,
    configs: expandSweep(axes),
    rates,
    rounds: integerFlag(problems, 'rounds', values.rounds, { min: 1, max: 100 }, quick ? 1 : 3),
    reference: values['no-reference'] !== true,
    maxMinutes: integerFlag(problems, 'max-minutes', values['max-minutes'], { min: 1 }, 60),
    command: ['sluice', 'bench', ...args].join(' '),
    sluiceVersion: sluiceVersion(),
  };
  if (problems.length > 0) throw new UsageError(problems);
  return {
    help: false,
    plan,
    out: resolve(values.out ?? 'bench-results'),
    json: values.json === true,
    targetP99Ms,
  };
}

const DEFAULT_TRIGGERS: readonly TriggerChoice[] = [
  { kind: 'micro-batch', intervalMs: 100 },
  { kind: 'continuous' },
];

function triggerChoice(item: string): TriggerChoice | undefined {
  if (item === 'continuous') return { kind: 'continuous' };
  const match = /^micro-batch:(\d+)$/.exec(item);
  const intervalMs = Number(match?.[1]);
  return match && Number.isSafeInteger(intervalMs) && intervalMs >= 1
    ? { kind: 'micro-batch', intervalMs }
    : undefined;
}

/** `sluice bench`: runs the plan, writes the report, prints where (or the results as JSON). */
export async function benchCommand(args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const parsed = parseBenchArgs(args, env);
  if (parsed.help) {
    console.log(BENCH_USAGE);
    return 0;
  }
  const { plan, out, json, targetP99Ms } = parsed;
  const progress = (line: string): void => void process.stderr.write(`${line}\n`);
  const estimate = checkEstimate(plan);
  progress(
    `sluice bench: ${plan.configs.length} configuration(s), about ${Math.ceil(estimate)} minute(s) (--max-minutes ${plan.maxMinutes})`,
  );
  const results = await runBench(plan, { progress, log: (line) => progress(`  ${line}`) });
  const written = await writeReport(results, out, targetP99Ms === undefined ? {} : { targetP99Ms });
  if (json) {
    console.log(JSON.stringify(results));
    return 0;
  }
  console.log(`wrote ${written.join(', ')}`);
  if (targetP99Ms !== undefined) {
    const choice = recommend(results, targetP99Ms);
    console.log('lines' in choice ? choice.lines.join('\n') : `# ${choice.reason}`);
  }
  return 0;
}
