/**
 * Window kernels (src/window), printed as Markdown tables:
 *
 *   node --expose-gc bench/window.bench.ts [--rounds 5] [--time 300] [--only update,sliding,memory]
 *     [--sliding-rounds 3] [--per-pane 1000] [--memory-keys 1000000]
 *
 * 1. update: count by key, one update per record. `FinalWindows.add` (key → dictionary id → pane
 *    slot → count) over 1,000 url-like and 100,000 user-like string keys, drawn uniformly from a
 *    pre-generated stream; then the same updates on a bare `PaneTable` + `paneOps(count)` with
 *    precomputed ids; then `add` with time moving (W = 10 s, S = 2 s, a pane per 100,000 records)
 *    and `advance` at every pane end, so sealing, merging into the running window and firing
 *    count too. tinybench, rounds interleaved in a shuffled order (other processes may share the
 *    cores); updates/s from each round's median sample, median (min–max) over rounds.
 * 2. sliding: max over W = 10,000 s, S = P = 1 s (10,000 panes per window; FinalWindows slides max on a monotonic deque), 1 and
 *    100 keys, `--per-pane` records per pane, 30,000 panes: 10,000 fill the first window, then
 *    every `advance` evicts one pane and fires one window. Update rate = records ÷ time in `add`;
 *    each emission (`advance` that fires one window) is timed with process.hrtime.bigint, and
 *    checked against the perf_hooks GC pauses and the process's CPU time; then the Two-Stacks
 *    flip alone, warm.
 * 3. memory: 1,000,000 keys, process.memoryUsage() heapUsed + arrayBuffers after gc, as deltas:
 *    the key dictionary alone, 5 bare count panes of every key, and `FinalWindows` (count, W = 10 s,
 *    S = 2 s) with every key in 5 panes, open and then sealed into the running window.
 */

import { loadavg } from 'node:os';
import { type PerformanceEntry, PerformanceObserver } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Bench } from 'tinybench';
import {
  Aggregations,
  FinalWindows,
  KeyDictionary,
  PaneTable,
  paneOps,
  TwoStacksCombiner,
  Windows,
} from '../src/window/index.ts';
import { machineLine } from './support/machine.ts';
import { fixed, int, markdownTable, spread, withRange } from './support/stats.ts';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    time: { type: 'string', default: '300' },
    only: { type: 'string', default: 'update,sliding,memory' },
    'sliding-rounds': { type: 'string', default: '3' },
    'per-pane': { type: 'string', default: '1000' },
    'memory-keys': { type: 'string', default: '1000000' },
  },
});
const ROUNDS = Number(args.rounds);
const TIME_MS = Number(args.time);
const SLIDING_ROUNDS = Number(args['sliding-rounds']);
const PER_PANE = Number(args['per-pane']);
const MEMORY_KEYS = Number(args['memory-keys']);
const ONLY = new Set(args.only.split(',').map((part) => part.trim()));

/** Epoch-aligned start of every run: 2026-01-01T00:00:00Z. */
const BASE_TIME = 1_767_225_600_000;
/** Updates per tinybench call: large enough that the timer's overhead vanishes. */
const STREAM = 1 << 17;

const log = (line: string): void => {
  process.stderr.write(`[window bench] ${line}\n`);
};
const load = (): string => (loadavg()[0] ?? 0).toFixed(2);
const loads: string[] = [load()];

/** mulberry32: every run draws the same keys. */
function prng(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

type KeySet = {
  readonly name: string;
  readonly keys: readonly string[];
  readonly ids: Int32Array;
  readonly stream: readonly string[];
};

function keySet(name: string, count: number, make: (i: number) => string, seed: number): KeySet {
  const keys = Array.from({ length: count }, (_, i) => make(i));
  const random = prng(seed);
  const ids = new Int32Array(STREAM);
  for (let i = 0; i < STREAM; i++) ids[i] = Math.floor(random() * count);
  const stream = Array.from(ids, (id) => keys[id] as string);
  return { name, keys, ids, stream };
}

type Gc = () => void;
const gc = (globalThis as { gc?: Gc }).gc;
const collect = (): void => gc?.();

// ---------------------------------------------------------------------------------------------
// 1. Pane update rate

/** `make` builds the kernel's state: each task runs alone, its state dropped before the next. */
type UpdateTask = { readonly name: string; readonly keys: string; readonly make: () => () => void };

function finalAddTask(set: KeySet): () => void {
  const windows = new FinalWindows(Windows.sliding(10_000, 2_000), paneOps(Aggregations.count()));
  const { stream } = set;
  const time = BASE_TIME + 500;
  return () => {
    for (let i = 0; i < STREAM; i++) windows.add(stream[i], 1, time);
  };
}

function paneTableTask(set: KeySet): () => void {
  const ops = paneOps(Aggregations.count());
  const table = new PaneTable(ops.layout);
  const { ids } = set;
  return () => {
    for (let i = 0; i < STREAM; i++) ops.add(table, table.slot(ids[i] as number), 1);
  };
}

/** Time moves: a pane of 2 s per 100,000 records, and `advance` at each pane end. */
function movingTask(set: KeySet): () => void {
  const spec = Windows.sliding(10_000, 2_000);
  const windows = new FinalWindows(spec, paneOps(Aggregations.count()));
  const { stream } = set;
  const perPane = 100_000;
  let record = 0;
  return () => {
    for (let i = 0; i < STREAM; i++, record++) {
      windows.add(stream[i], 1, BASE_TIME + Math.floor((record * spec.paneMs) / perPane));
      if ((record + 1) % perPane === 0) {
        windows.advance(BASE_TIME + ((record + 1) / perPane) * spec.paneMs);
        windows.takeFired();
      }
    }
  };
}

async function updateBench(sets: readonly KeySet[]): Promise<string> {
  const tasks: UpdateTask[] = [];
  for (const set of sets) {
    tasks.push({ name: 'FinalWindows.add (count)', keys: set.name, make: () => finalAddTask(set) });
    tasks.push({
      name: 'PaneTable.slot + paneOps(count).add, precomputed ids',
      keys: set.name,
      make: () => paneTableTask(set),
    });
    tasks.push({
      name: 'FinalWindows.add + advance per pane (W = 10 s, S = 2 s, 100,000 records / pane)',
      keys: set.name,
      make: () => movingTask(set),
    });
  }
  const rates = new Map<UpdateTask, number[]>(tasks.map((task) => [task, []]));
  const random = prng(5);
  for (let round = 1; round <= ROUNDS; round++) {
    const order = [...tasks];
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j] as UpdateTask, order[i] as UpdateTask];
    }
    for (const task of order) {
      // One bench per task: tinybench warms every task up before running any, which would keep
      // all their tables alive at once and make each pay for the others' garbage collection.
      const bench = new Bench({ time: TIME_MS, warmupTime: 100, throws: true });
      bench.add(task.name, task.make());
      await bench.run();
      const result = bench.tasks[0]?.result;
      if (result?.state !== 'completed') throw new Error(`${task.name}, ${task.keys}: ${result?.state}`);
      rates.get(task)?.push(STREAM / (result.latency.p50 / 1000));
      bench.remove(task.name);
      collect();
    }
    log(`update round ${round}/${ROUNDS} done (load ${load()})`);
  }
  return markdownTable(
    ['kernel', 'keys', 'updates/s, one core', 'ns / update'],
    tasks.map((task) => {
      const s = spread(rates.get(task) ?? []);
      return [task.name, task.keys, withRange(s), fixed(1e9 / s.median, 1)];
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// 2. Sliding max over 10,000 panes

const SLIDING_SIZE_MS = 10_000_000;
const SLIDING_PANE_MS = 1_000;
const FILL_PANES = SLIDING_SIZE_MS / SLIDING_PANE_MS;
const SLIDING_PANES = 3 * FILL_PANES;

type SlidingRun = {
  readonly addRate: number;
  /** Records ÷ (time in add + time in advance). */
  readonly overallRate: number;
  /** Nanoseconds per emission (hrtime), steady state: after the first window is full. */
  readonly emissions: Float64Array;
  /** Each emission's start and end on the performance.now() clock, to find the GC pauses in it. */
  readonly spans: Float64Array;
  /**
   * Process CPU time per emission, ns (all threads: process.cpuUsage() is exact, the per-thread
   * clock ticks by the millisecond). Wall time well above it means another process had the core.
   */
  readonly cpu: Float64Array;
  /** Steady-state emissions in which every key's front stack ran empty (a Two-Stacks flip; none on the deque). */
  readonly flips: readonly number[];
};

function slidingOnce(keyCount: number, perPane: number): SlidingRun {
  const spec = Windows.sliding(SLIDING_SIZE_MS, SLIDING_PANE_MS);
  const windows = new FinalWindows(spec, paneOps(Aggregations.max()));
  const keys = Array.from({ length: keyCount }, (_, i) => `/p/${i}`);
  const random = prng(11);
  const values = Float64Array.from({ length: perPane }, () => Math.floor(random() * 1_000_000));
  const recordKeys = Array.from({ length: perPane }, (_, i) => keys[i % keyCount] as string);
  const offsets = Float64Array.from({ length: perPane }, (_, i) =>
    Math.floor((i * SLIDING_PANE_MS) / perPane),
  );
  const expected = new Float64Array(keyCount).fill(Number.NEGATIVE_INFINITY);
  for (let i = 0; i < perPane; i++) {
    expected[i % keyCount] = Math.max(expected[i % keyCount] as number, values[i] as number);
  }
  const emissions = new Float64Array(SLIDING_PANES - FILL_PANES);
  const spans = new Float64Array(2 * emissions.length);
  const cpu = new Float64Array(emissions.length);
  let addNs = 0n;
  let advanceNs = 0n;
  for (let pane = 0; pane < SLIDING_PANES; pane++) {
    const start = BASE_TIME + pane * SLIDING_PANE_MS;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < perPane; i++) windows.add(recordKeys[i], values[i], start + (offsets[i] as number));
    const t1 = process.hrtime.bigint();
    const cpu0 = process.cpuUsage();
    const from = performance.now();
    const t2 = process.hrtime.bigint();
    windows.advance(start + SLIDING_PANE_MS);
    const t3 = process.hrtime.bigint();
    const to = performance.now();
    const cpu1 = process.cpuUsage(cpu0);
    addNs += t1 - t0;
    advanceNs += t3 - t2;
    if (pane >= FILL_PANES) {
      const at = pane - FILL_PANES;
      emissions[at] = Number(t3 - t2);
      spans[2 * at] = from;
      spans[2 * at + 1] = to;
      cpu[at] = (cpu1.user + cpu1.system) * 1000;
    }
    const fired = windows.takeFired();
    // Checked outside the timed part: one window per advance, every key, the right maximum.
    const window = fired[0];
    if (fired.length !== 1 || window?.end !== start + SLIDING_PANE_MS || window.pairs.length !== keyCount) {
      throw new Error(`pane ${pane}: expected one window of ${keyCount} keys, got ${fired.length}`);
    }
    if (pane % 997 === 0) {
      for (const [key, value] of window.pairs) {
        if (value !== expected[keys.indexOf(key as string)])
          throw new Error(`pane ${pane}: ${key} = ${value}`);
      }
    }
  }
  const records = SLIDING_PANES * perPane;
  // The first eviction flips each key's 10,000 partials; the next flip comes when those are used
  // up, 10,000 evictions later, and takes the 9,999 pushed meanwhile plus the one just sealed.
  const flips: number[] = [];
  for (let at = 0; at < emissions.length; at += FILL_PANES) flips.push(at === 0 ? 0 : at + 1);
  return {
    addRate: records / (Number(addNs) / 1e9),
    overallRate: records / (Number(addNs + advanceNs) / 1e9),
    emissions,
    spans,
    cpu,
    flips,
  };
}

function quantile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

type Pause = { readonly start: number; readonly end: number };

/** GC pauses (perf_hooks 'gc' entries) while `fn` runs; they arrive after it, on the event loop. */
async function withGcPauses<T>(fn: () => T): Promise<{ result: T; pauses: Pause[] }> {
  const pauses: Pause[] = [];
  const take = (entries: readonly PerformanceEntry[]): void => {
    for (const entry of entries)
      pauses.push({ start: entry.startTime, end: entry.startTime + entry.duration });
  };
  const observer = new PerformanceObserver((list) => take(list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  const result = fn();
  await new Promise((resolve) => setTimeout(resolve, 200));
  take(observer.takeRecords());
  observer.disconnect();
  return { result, pauses };
}

/** Emissions during which a GC pause ran. */
function gcHit(run: SlidingRun, pauses: readonly Pause[]): Uint8Array {
  const hit = new Uint8Array(run.emissions.length);
  const sorted = [...pauses].sort((a, b) => a.start - b.start);
  let p = 0;
  for (let at = 0; at < run.emissions.length; at++) {
    const from = run.spans[2 * at] as number;
    const to = run.spans[2 * at + 1] as number;
    while (p < sorted.length && (sorted[p] as Pause).end < from) p++;
    for (let q = p; q < sorted.length && (sorted[q] as Pause).start <= to; q++) {
      if ((sorted[q] as Pause).end >= from) hit[at] = 1;
    }
  }
  return hit;
}

async function slidingBench(): Promise<string> {
  const rates: string[][] = [];
  const worst: string[][] = [];
  for (const keyCount of [1, 100]) {
    // One run first, not reported: the first flips otherwise run before V8 has optimised them.
    const cold = await withGcPauses(() => slidingOnce(keyCount, PER_PANE));
    const coldWorst = Math.max(...cold.result.emissions) / 1e6;
    log(`sliding, ${keyCount} key(s), warm-up run done (load ${load()})`);
    const runs: { run: SlidingRun; hit: Uint8Array; pauses: number }[] = [];
    for (let round = 1; round <= SLIDING_ROUNDS; round++) {
      collect();
      const { result, pauses } = await withGcPauses(() => slidingOnce(keyCount, PER_PANE));
      runs.push({ run: result, hit: gcHit(result, pauses), pauses: pauses.length });
      log(`sliding, ${keyCount} key(s), round ${round}/${SLIDING_ROUNDS} done (load ${load()})`);
    }
    const perRun = (q: number): number[] =>
      runs.map(({ run }) => quantile(Float64Array.from(run.emissions).sort(), q) / 1e6);
    const ms = (value: number): string => fixed(value, 3);
    rates.push([
      String(keyCount),
      int(PER_PANE),
      withRange(spread(runs.map(({ run }) => run.addRate))),
      withRange(spread(runs.map(({ run }) => run.overallRate))),
      withRange(spread(perRun(0.5)), ms),
      withRange(spread(perRun(0.99)), ms),
      withRange(spread(perRun(0.999)), ms),
    ]);
    // Off-CPU: wall time more than 0.1 ms above the process's CPU time (another process ran).
    const tally = { total: 0, over: 0, gc: 0, offCpu: 0, worst: 0, worstCpu: 0, pauses: 0 };
    const flipMs: number[] = [];
    for (const { run, hit, pauses } of runs) {
      tally.pauses += pauses;
      for (let at = 0; at < run.emissions.length; at++) {
        const wall = (run.emissions[at] as number) / 1e6;
        const cpu = (run.cpu[at] as number) / 1e6;
        const offCpu = wall - cpu > 0.1;
        tally.total++;
        tally.worst = Math.max(tally.worst, wall);
        tally.worstCpu = Math.max(tally.worstCpu, Math.min(wall, cpu));
        if (wall > 1) {
          tally.over++;
          if (hit[at] === 1) tally.gc++;
          else if (offCpu) tally.offCpu++;
        }
      }
      for (const at of run.flips) flipMs.push((run.emissions[at] as number) / 1e6);
    }
    worst.push([
      String(keyCount),
      withRange(spread(flipMs), ms),
      ms(tally.worst),
      ms(tally.worstCpu),
      `${int(tally.over)} of ${int(tally.total)}`,
      `${int(tally.gc)} / ${int(tally.offCpu)} / ${int(tally.over - tally.gc - tally.offCpu)}`,
      int(tally.pauses),
      ms(coldWorst),
    ]);
  }
  return [
    markdownTable(
      [
        'keys',
        'records / pane',
        'updates/s in add',
        'updates/s, add + advance',
        'emission p50 ms',
        'emission p99 ms',
        'emission p99.9 ms',
      ],
      rates,
    ),
    markdownTable(
      [
        'keys',
        'flip emissions ms',
        'worst emission ms (wall)',
        'worst emission, CPU ms',
        'emissions > 1 ms',
        '> 1 ms: in a GC pause / off-CPU / other',
        'GC pauses',
        'worst, warm-up run ms',
      ],
      worst,
    ),
    flipTable(),
  ].join('\n\n');
}

const FLIP_REPS = 15;

/**
 * The flip alone, warm: a TwoStacksCombiner holding 10,000 one-value panes per key, evicting
 * the oldest (every key's front is empty, so every key flips its 10,000 entries). The first
 * repetitions warm the JIT up; the table shows the last 10. In the run above a flip happens
 * once per 10,000 emissions, so V8 may meet it before it has optimised it.
 */
function flipTable(): string {
  const ops = paneOps(Aggregations.max());
  const rows: string[][] = [];
  for (const keyCount of [1, 100]) {
    const times: number[] = [];
    for (let rep = 0; rep < FLIP_REPS; rep++) {
      const dict = new KeyDictionary();
      const combiner = new TwoStacksCombiner(ops, dict);
      const ids = Array.from({ length: keyCount }, (_, k) => dict.id(`/p/${k}`));
      for (let pane = 0; pane < FILL_PANES; pane++) {
        const table = new PaneTable(ops.layout);
        for (const id of ids) {
          dict.retain(id);
          ops.add(table, table.slot(id), (pane * 7919) % 10_007);
        }
        combiner.push(pane, table);
      }
      collect();
      const t0 = process.hrtime.bigint();
      combiner.evictBefore(1);
      const t1 = process.hrtime.bigint();
      if (rep >= FLIP_REPS - 10) times.push(Number(t1 - t0) / 1e6);
    }
    const s = spread(times);
    rows.push([
      String(keyCount),
      int(keyCount * FILL_PANES),
      withRange(s, (ms) => fixed(ms, 3)),
      fixed((s.median * 1e6) / (keyCount * FILL_PANES), 1),
    ]);
  }
  return markdownTable(['keys', 'entries flipped', 'flip ms, warm, gc before', 'ns / entry'], rows);
}

// ---------------------------------------------------------------------------------------------
// 3. Memory

/**
 * heapUsed + arrayBuffers once garbage is gone. V8 frees ArrayBuffer backing stores on a
 * background sweeper after the collection, so the figure is read until it stops moving.
 */
async function settled(gc: Gc): Promise<number> {
  let last = Number.NaN;
  for (let attempt = 0; attempt < 20; attempt++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const usage = process.memoryUsage();
    const now = usage.heapUsed + usage.arrayBuffers;
    if (Math.abs(now - last) < 64 * 1024) return now;
    last = now;
  }
  return last;
}

const MEMORY_PANES = 5;
const MEMORY_SPEC = Windows.sliding(10_000, 2_000);

// The builders are synchronous on purpose: a suspended async function keeps every register of
// its frame alive, loop iterators included, and so would keep what the next baseline must not see.

function buildDictionary(keys: readonly string[]): KeyDictionary {
  const dict = new KeyDictionary();
  for (let i = 0; i < keys.length; i++) dict.retain(dict.id(keys[i]));
  return dict;
}

function buildPanes(ids: Int32Array): PaneTable[] {
  const ops = paneOps(Aggregations.count());
  const tables: PaneTable[] = [];
  for (let pane = 0; pane < MEMORY_PANES; pane++) {
    const table = new PaneTable(ops.layout);
    for (let i = 0; i < ids.length; i++) ops.add(table, table.slot(ids[i] as number), 1);
    tables.push(table);
  }
  return tables;
}

function buildWindows(keys: readonly string[]): FinalWindows {
  const windows = new FinalWindows(MEMORY_SPEC, paneOps(Aggregations.count()));
  for (let pane = 0; pane < MEMORY_PANES; pane++) {
    const time = BASE_TIME + pane * MEMORY_SPEC.paneMs;
    for (let i = 0; i < keys.length; i++) windows.add(keys[i], 1, time);
  }
  return windows;
}

/** Seals every pane into the running window (a window fires per pane end); returns the pairs fired. */
function sealWindows(windows: FinalWindows): number {
  let fired = 0;
  for (let pane = 1; pane <= MEMORY_PANES; pane++) {
    windows.advance(BASE_TIME + pane * MEMORY_SPEC.paneMs);
    const windowsFired = windows.takeFired();
    for (let i = 0; i < windowsFired.length; i++) fired += windowsFired[i]?.pairs.length ?? 0;
  }
  return fired;
}

function paneFacts(tables: readonly PaneTable[]): { columns: number; capacity: number } {
  let columns = 0;
  for (let i = 0; i < tables.length; i++) columns += tables[i]?.bytes ?? 0;
  return { columns, capacity: tables[0]?.capacity ?? 0 };
}

async function memoryBench(gc: Gc): Promise<string> {
  const count = MEMORY_KEYS;
  const cells = count * MEMORY_PANES;
  // Keys and ids exist before every baseline: the tables reference the key strings, as they
  // would reference the keys of decoded records, but do not own them.
  const keys = Array.from({ length: count }, (_, i) => `user-${i}`);
  const ids = Int32Array.from({ length: count }, (_, i) => i);
  const rows: string[][] = [];
  const row = (what: string, bytes: number, per: number, unit: string, note: string): void => {
    rows.push([what, fixed(bytes / 2 ** 20, 1), fixed(bytes / per, 1), unit, note]);
  };

  let before = await settled(gc);
  let dict: KeyDictionary | undefined = buildDictionary(keys);
  const dictionary = (await settled(gc)) - before;
  if (dict.size !== count) throw new Error(`dictionary holds ${dict.size} keys`);
  dict = undefined;
  row(
    'KeyDictionary alone (Map + key arrays + refcounts)',
    dictionary,
    count,
    'per key',
    `${int(count)} keys`,
  );

  before = await settled(gc);
  let tables: PaneTable[] | undefined = buildPanes(ids);
  const panes = (await settled(gc)) - before;
  const { columns, capacity } = paneFacts(tables);
  tables = undefined;
  row(
    `${MEMORY_PANES} count PaneTables alone`,
    panes,
    cells,
    'per (key, pane)',
    `${int(capacity)} slots each (load ${fixed(count / capacity, 2)}); columns ${fixed(columns / cells, 1)} B per (key, pane)`,
  );

  before = await settled(gc);
  let windows: FinalWindows | undefined = buildWindows(keys);
  const open = (await settled(gc)) - before;
  row(
    `FinalWindows (count, W = 10 s, S = 2 s), ${MEMORY_PANES} open panes`,
    open,
    cells,
    'per (key, pane), dictionary included',
    `per (key, pane) without the dictionary alone: ${fixed((open - dictionary) / cells, 1)}`,
  );
  const fired = sealWindows(windows);
  if (fired !== cells) throw new Error(`fired ${fired} pairs, expected ${cells}`);
  const sealed = (await settled(gc)) - before;
  row(
    `the same after advance: ${MEMORY_PANES} sealed panes + the running window`,
    sealed,
    cells,
    'per (key, pane), dictionary included',
    `fired results dropped; without the dictionary alone: ${fixed((sealed - dictionary) / cells, 1)}`,
  );
  windows = undefined;
  return markdownTable(['state', 'MiB', 'bytes', 'per', 'notes'], rows);
}

// ---------------------------------------------------------------------------------------------

const out = (text = ''): void => {
  console.log(text);
};

out(`Machine: ${machineLine()}`);
out(`Load average (1 min) at start: ${loads[0]}.`);

if (ONLY.has('update')) {
  const sets = [
    keySet('1,000 (/p/0 … /p/999)', 1_000, (i) => `/p/${i}`, 1),
    keySet('100,000 (u0 … u99999)', 100_000, (i) => `u${i}`, 2),
  ];
  out();
  out(
    `### Pane updates, count by key (${ROUNDS} rounds × ${TIME_MS} ms per kernel; ${int(STREAM)} uniform random keys per sample)`,
  );
  out();
  out(await updateBench(sets));
  loads.push(load());
}

if (ONLY.has('sliding')) {
  out();
  out(
    `### Sliding max, W = 10,000 s, S = P = 1 s (10,000 panes per window), ${int(SLIDING_PANES)} panes, ${SLIDING_ROUNDS} rounds; emissions after the first window filled`,
  );
  out();
  out(await slidingBench());
  loads.push(load());
}

if (ONLY.has('memory')) {
  out();
  out(`### Memory, count, ${int(MEMORY_KEYS)} keys (heapUsed + arrayBuffers after gc, as deltas)`);
  out();
  if (gc === undefined) out('Skipped: run node with --expose-gc.');
  else out(await memoryBench(gc));
  loads.push(load());
}

out();
out(`Load average (1 min) after each section: ${loads.slice(1).join(', ')}.`);
