/**
 * `npm run bench`: Sluice's end-to-end benchmarks, printed as Markdown (progress on stderr).
 *
 *   npm run bench                          # both
 *   npm run bench -- --only generator      # generator → aggregate, 1 and 2 slots, 50k and 200k per batch
 *   npm run bench -- --only kafka          # Kafka topic → Sluice vs a plain kafkajs consumer, plus a profile
 *   npm run bench -- --only window         # Kafka topic → windowed count (10 s / 2 s, event time) vs per batch
 *                                          # (not part of the default run)
 *   npm run bench -- --only keyed          # generator → mapWithState, updateStateByKey per user, 1 and 2
 *                                          # slots, 10k and 100k per batch (not part of the default run)
 *
 * Options: --runs N (3), --events N (generator events per partition: 12,000,000; keyed: 750,000),
 * --kafka-events N (1,000,000), --workers 1,2 (SLUICE_WORKERS values), --max-records N,N
 * (SLUICE_MAX_RECORDS_PER_BATCH values: generator 50000,200000; keyed 10000,100000), --profile (also
 * profile generator runs), --broker-dir DIR (keep the bench broker's data there, so the Kafka
 * preload is reused).
 * SLUICE_BENCH_BROKERS=host:port uses a running broker instead of starting one.
 */

import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { generatorBench, generatorProfile, generatorTable } from './generator-aggregate.ts';
import { keyedBench, keyedTable } from './generator-keyed.ts';
import { kafkaBench, kafkaTable } from './kafka-path.ts';
import { windowBench, windowTable } from './kafka-window.ts';
import type { GeneratorSweep } from './support/generator.ts';
import { machineLine } from './support/machine.ts';
import { int } from './support/stats.ts';

const { values: args } = parseArgs({
  options: {
    only: { type: 'string' },
    runs: { type: 'string', default: '3' },
    events: { type: 'string' },
    'kafka-events': { type: 'string', default: '1000000' },
    workers: { type: 'string', default: '1,2' },
    'max-records': { type: 'string' },
    profile: { type: 'boolean', default: false },
    'broker-dir': { type: 'string' },
  },
});

function positive(name: string, raw: string): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    console.error(`--${name} must be an integer >= 1; got ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return value;
}

const list = (name: string, raw: string): number[] =>
  raw.split(',').map((item) => positive(name, item.trim()));

const only = args.only;
if (only !== undefined && only !== 'generator' && only !== 'kafka' && only !== 'window' && only !== 'keyed') {
  console.error(`--only must be generator, kafka, window or keyed; got ${JSON.stringify(only)}`);
  process.exit(2);
}
const runs = positive('runs', args.runs);
const log = (line: string): void => console.error(`[bench] ${line}`);
const out = (text = ''): void => console.log(text);

out(`Machine: ${machineLine()}`);
out(`Runs per configuration: ${runs}; cells show the median (min–max).`);
// Other processes on the machine skew the figures; say how busy it was.
const load = (): string => (loadavg()[0] ?? 0).toFixed(2);
out(`Load average (1 min) at start: ${load()}.`);

/** The Kafka benches' options: 8 partitions, 100,000 records per partition batch. */
function kafkaOptions() {
  return {
    runs,
    events: positive('kafka-events', args['kafka-events']),
    partitions: 8,
    workers: list('workers', args.workers),
    maxRecords: 100_000,
    brokerDir: args['broker-dir'],
    log,
  };
}

/** A Kafka section's heading and the line about its broker and preload. */
function preloadHeader(
  title: string,
  report: {
    readonly broker: string;
    readonly preload: {
      readonly events: number;
      readonly valueBytes: number;
      readonly partitions: number;
      readonly cached: boolean;
      readonly produceMs: number;
    };
  },
): void {
  const { preload } = report;
  out();
  out(
    `### ${title}, available-now: ${int(preload.events)} events × ${Math.round(preload.valueBytes)}-byte JSON values over ${preload.partitions} partitions`,
  );
  out();
  out(
    `Broker: ${report.broker}. Preload ${preload.cached ? 'reused (cached by topic name)' : `produced in ${(preload.produceMs / 1000).toFixed(1)} s`}.`,
  );
  out();
}

/** The generator benches' options: 4 partitions, and these defaults for --events and --max-records. */
function generatorSweep(events: string, maxRecords: string): GeneratorSweep {
  return {
    runs,
    eventsPerPartition: positive('events', args.events ?? events),
    partitions: 4,
    workers: list('workers', args.workers),
    maxRecords: list('max-records', args['max-records'] ?? maxRecords),
    log,
  };
}

if (only === undefined || only === 'generator') {
  const options = { ...generatorSweep('12000000', '50000,200000'), profile: args.profile };
  const rows = await generatorBench(options);
  out();
  out(
    `### Generator → aggregate (count by url), available-now, ${options.partitions} partitions × ${int(options.eventsPerPartition)} events, file sink`,
  );
  out();
  out(generatorTable(rows));
  if (options.profile) {
    for (const workers of options.workers) {
      const maxRecords = options.maxRecords.at(-1) ?? 200_000;
      out();
      out(`#### Profile: ${workers} slot(s), ${int(maxRecords)} per partition batch`);
      out();
      out(await generatorProfile(options, workers, maxRecords));
    }
  }
}

if (only === undefined || only === 'kafka') {
  const report = await kafkaBench(kafkaOptions());
  preloadHeader('Kafka → aggregate (count by url)', report);
  out(kafkaTable(report));
  out();
  out(report.profile);
}

if (only === 'window') {
  const report = await windowBench(kafkaOptions());
  preloadHeader('Kafka → windowed count by url', report);
  out(windowTable(report));
  out();
  out(report.profile);
}

if (only === 'keyed') {
  const options = generatorSweep('750000', '10000,100000');
  const rows = await keyedBench(options);
  out();
  out(
    `### Generator → keyed state per user, available-now, ${options.partitions} partitions × ${int(options.eventsPerPartition)} events`,
  );
  out();
  out(keyedTable(rows));
}

out();
out(`Load average (1 min) at end: ${load()}.`);
