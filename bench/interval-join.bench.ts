/**
 * The interval join's state run (src/task/interval-join.ts) over one state partition, printed as
 * a Markdown table:
 *
 *   node bench/interval-join.bench.ts [--rounds 5] [--time 300] [--keys 100000] [--batch 1000]
 *
 * The state starts with `--keys` keys, each with one left and one right value waiting (an order
 * and its payment within [0, 10 min]), their last chances spread over the next 10 minutes. Each
 * call runs a batch of `--batch` new left values of random keys:
 * - `same watermark`: the batch's watermark has not moved since the last (micro-batches under a
 *   trigger interval shorter than the data's event-time pace), so no waiting value can go;
 * - `watermark +1 s`: it moved by one second, so the values whose last chance it passed go: a
 *   600th of the first ones per call, then as many as came in 10 minutes earlier.
 * tinybench, rounds interleaved in a shuffled order; batches/s from each round's median sample,
 * median (min–max) over rounds, with the machine's load.
 */

import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { Bench } from 'tinybench';
import type { BatchInfo } from '../src/core/index.ts';
import { buildGraph, defineJob, type IntervalJoinNode, Plan } from '../src/dsl/index.ts';
import { KeyGroups, runStatePartition, storeFor } from '../src/task/index.ts';
import { machineLine } from './support/machine.ts';
import { int, markdownTable, spread, withRange } from './support/stats.ts';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    time: { type: 'string', default: '300' },
    keys: { type: 'string', default: '100000' },
    batch: { type: 'string', default: '1000' },
  },
});
const ROUNDS = Number(args.rounds);
const TIME_MS = Number(args.time);
const KEYS = Number(args.keys);
const BATCH = Number(args.batch);
const WITHIN = 600_000;
const T0 = 1_767_225_600_000;

const plan = new Plan(
  buildGraph(
    defineJob((ctx) => {
      const orders = ctx
        .stream<[string, number]>('orders')
        .withWatermark(0)
        .map((r) => r.value);
      const payments = ctx
        .stream<[string, number]>('payments')
        .withWatermark(0)
        .map((r) => r.value);
      orders.join(payments, { within: [0, WITHIN] }).print();
    }),
    {},
  ),
);
const node = plan.nodes.find((candidate) => candidate.kind === 'intervalJoin') as IntervalJoinNode;
const LEFT = 0;
const RIGHT = 1;

/**
 * A state partition with every key waiting on one left and one right value that met, their last
 * chances spread over the 10 minutes after T0 (the first watermark).
 */
function filledStore() {
  const store = storeFor({ topic: 'orders', partitions: 1 }, 'orders\u00000');
  const groups = new KeyGroups();
  for (let key = 0; key < KEYS; key++) {
    const lastChance = T0 + (key % WITHIN);
    groups.add(`k${key}`, [LEFT, lastChance - WITHIN, key]);
    groups.add(`k${key}`, [RIGHT, lastChance, key]);
  }
  runStatePartition(store, node, groups, info(0, Number.NEGATIVE_INFINITY), false);
  return store;
}

function info(batchId: number, watermark: number): BatchInfo {
  return { batchId, time: T0 + batchId * 1000, intervalMs: 1000, offsetRanges: [], watermark };
}

function scenario(name: string, step: number) {
  const store = filledStore();
  let batchId = 1;
  let watermark = T0;
  let seed = 1;
  return {
    name,
    run: () => {
      const groups = new KeyGroups();
      for (let index = 0; index < BATCH; index++) {
        seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
        const key = seed % KEYS;
        groups.add(`k${key}`, [LEFT, watermark + 1, key]);
      }
      watermark += step;
      runStatePartition(store, node, groups, info(batchId++, watermark), false);
    },
  };
}

const scenarios = [scenario('same watermark', 0), scenario('watermark +1 s', 1000)];
const rates = new Map<string, number[]>(scenarios.map(({ name }) => [name, []]));
const loads: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  for (const { name, run } of scenarios.toSorted(() => Math.random() - 0.5)) {
    const bench = new Bench({ time: TIME_MS, warmup: true });
    bench.add(name, run);
    await bench.run();
    const result = bench.tasks[0]?.result;
    if (result?.state !== 'completed') throw new Error(`${name}: ${result?.state}`);
    rates.get(name)?.push(1000 / result.latency.p50);
  }
  loads.push(loadavg()[0] ?? 0);
}

console.log(machineLine());
console.log(
  `${KEYS} keys waiting, batches of ${BATCH} new values, ${ROUNDS} rounds of ${TIME_MS} ms; load ${loads.map((load) => load.toFixed(2)).join(', ')}\n`,
);
console.log(
  markdownTable(
    ['scenario', 'batches/s, median (min–max)', 'new values/s'],
    [...rates].map(([name, values]) => {
      const batches = spread(values);
      return [name, withRange(batches, int), int(batches.median * BATCH)];
    }),
  ),
);
