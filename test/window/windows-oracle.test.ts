import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SourceRecord } from '../../src/core/index.ts';
import { type DStream, defineJob, type Job } from '../../src/dsl/index.ts';
import { TestDriver } from '../../src/testing/index.ts';
import {
  type AggregationSpec,
  Aggregations,
  type EmitMode,
  type LateRecord,
  type WindowResult,
  Windows,
} from '../../src/window/index.ts';
import {
  ascending,
  BASE_AGGREGATIONS,
  byOrigin,
  drawnBatches,
  driveBatch,
  lateRows,
  merged,
  type OracleLate,
  type OracleRecord,
  type Reading,
  timedBatches,
  UNIT,
} from '../support/oracle-scenarios.ts';

// A brute-force model: every window is recomputed from the raw records it holds, with the
// documented rules and nothing the engine keeps (no panes, no partials, no combiners).

type Scenario = {
  readonly eventTime: boolean;
  /** Event time from the Kafka record timestamp instead of a function of the value. */
  readonly kafkaTimestamp: boolean;
  readonly sizeMs: number;
  readonly slideMs: number;
  readonly latenessMs: number;
  readonly intervalMs: number;
  readonly startTime: number;
  /** Partitions 0 .. n−1, all declared to the driver. */
  readonly partitions: number;
  readonly batches: readonly (readonly OracleRecord[])[];
};

/** One (window, key) with the values of the records in it. */
type OracleWindow = {
  readonly key: string;
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly values: readonly number[];
};

type OracleBatch = {
  readonly time: number;
  /** The event-time watermark the batch ran with (+∞ at the end of input). */
  readonly watermark: number;
  /** What the next batch runs with. */
  readonly watermarkAfter: number;
  readonly final: readonly OracleWindow[];
  readonly update: readonly OracleWindow[];
  readonly late: readonly OracleLate[];
};

/** The ends of the windows `[n·slide, n·slide + size)` that hold time `t`. */
function windowEnds(t: number, sizeMs: number, slideMs: number): number[] {
  const ends: number[] = [];
  for (let n = Math.floor((t - sizeMs) / slideMs) + 1; n * slideMs <= t; n++) {
    if (t < n * slideMs + sizeMs) ends.push(n * slideMs + sizeMs);
  }
  return ends;
}

function isWindowEnd(t: number, sizeMs: number, slideMs: number): boolean {
  return (t - sizeMs) % slideMs === 0;
}

/**
 * The expected batches: one per input batch, then the end of input. Event time: the watermark is
 * the least over the partitions of (largest event time − lateness), −∞ while a partition has
 * none, computed after each batch and never going back; a record older than the watermark its
 * batch runs with is late. Final mode emits each (window, key) once, when the watermark at the
 * start of a batch (event time) or the batch time after its records (processing time) reaches the
 * window's end; update mode emits each (window, key) the batch changed, with its whole value.
 */
function runOracle(scenario: Scenario): OracleBatch[] {
  const { eventTime, sizeMs, slideMs, latenessMs, intervalMs, startTime, partitions, batches } = scenario;
  const accepted: { key: string; value: number; time: number }[] = [];
  const fired = new Set<string>();
  const maxTime = new Map<number, number>();
  const offsets = new Map<number, number>();
  let watermark = Number.NEGATIVE_INFINITY;
  const id = (end: number, key: string): string => `${end}\u0000${key}`;

  const windowOf = ({ end, key }: { end: number; key: string }): OracleWindow => ({
    key,
    windowStart: end - sizeMs,
    windowEnd: end,
    values: accepted
      .filter((record) => record.key === key && record.time >= end - sizeMs && record.time < end)
      .map((record) => record.value),
  });

  const fire = (clock: number): OracleWindow[] => {
    const due = new Map<string, { end: number; key: string }>();
    for (const { key, time } of accepted) {
      for (const end of windowEnds(time, sizeMs, slideMs)) {
        if (end <= clock && !fired.has(id(end, key))) due.set(id(end, key), { end, key });
      }
    }
    for (const name of due.keys()) fired.add(name);
    return [...due.values()].map(windowOf);
  };

  const out: OracleBatch[] = [];
  for (let index = 0; index <= batches.length; index++) {
    const atEnd = index === batches.length;
    const records = batches[index] ?? [];
    const time = startTime + (index + 1) * intervalMs;
    const ranWith = atEnd ? Number.POSITIVE_INFINITY : watermark;
    const final = eventTime ? fire(ranWith) : [];
    const late: OracleLate[] = [];
    const touched = new Map<string, { end: number; key: string }>();
    for (const record of records) {
      const offset = offsets.get(record.partition) ?? 0;
      offsets.set(record.partition, offset + 1);
      const at = eventTime ? record.time : time - 1;
      if (eventTime && at < ranWith) {
        late.push({ partition: record.partition, offset, eventTime: at, watermark: ranWith, record });
        continue;
      }
      accepted.push({ key: record.key, value: record.value, time: at });
      for (const end of windowEnds(at, sizeMs, slideMs))
        touched.set(id(end, record.key), { end, key: record.key });
    }
    if (!eventTime) final.push(...fire(atEnd ? Number.POSITIVE_INFINITY : time));
    if (eventTime) {
      for (const record of records) {
        const max = maxTime.get(record.partition);
        if (max === undefined || record.time > max) maxTime.set(record.partition, record.time);
      }
      let least = Number.POSITIVE_INFINITY;
      for (let partition = 0; partition < partitions; partition++) {
        const max = maxTime.get(partition);
        least = Math.min(least, max === undefined ? Number.NEGATIVE_INFINITY : max - latenessMs);
      }
      watermark = Math.max(watermark, least);
    }
    out.push({
      time,
      watermark: ranWith,
      watermarkAfter: watermark,
      final,
      update: [...touched.values()].map(windowOf),
      late,
    });
  }
  return out;
}

/** Takes every element of `part` out of `acc` once. */
function without(acc: readonly number[], part: readonly number[]): number[] {
  const out = [...acc];
  for (const value of part) {
    const at = out.indexOf(value);
    if (at >= 0) out.splice(at, 1);
  }
  return out;
}

/** User aggregations keep the window's values themselves: a wrong pane in or out shows. */
const AGGREGATIONS: readonly {
  readonly name: string;
  readonly spec: AggregationSpec;
  expected(values: readonly number[]): unknown;
}[] = [
  ...BASE_AGGREGATIONS,
  {
    name: 'values with subtract',
    spec: Aggregations.of<number, number[], number[]>({
      empty: () => [],
      add: (acc, value) => merged(acc, [value]),
      merge: merged,
      subtract: without,
    }),
    expected: ascending,
  },
];
const MODES: readonly EmitMode[] = ['final', 'update'];

/** Per batch, what each output received; an output that was not called has no entry. */
type Captured = Map<string, readonly unknown[]>;

function jobOf(scenario: Scenario, captured: Captured): Job {
  return defineJob((ctx) => {
    const source = ctx.stream<Reading>();
    const { latenessMs } = scenario;
    const timed: DStream<SourceRecord<Reading>> = !scenario.eventTime
      ? source
      : scenario.kafkaTimestamp
        ? source.withWatermark(latenessMs)
        : source.withWatermark(latenessMs, (record) => record.value.t);
    const pairs = timed.map((record): [string, number] => [record.value.k, record.value.v]);
    const spec = Windows.sliding(scenario.sizeMs, scenario.slideMs);
    for (const aggregation of AGGREGATIONS) {
      for (const emit of MODES) {
        const results = pairs.windowAggregate(spec, aggregation.spec, { emit });
        results.foreachBatch((values) => {
          captured.set(`${aggregation.name} ${emit}`, values);
        });
        if (scenario.eventTime && aggregation.name === 'count') {
          results.lateRecords().foreachBatch((values) => {
            captured.set(`late ${emit}`, values);
          });
        }
      }
    }
  });
}

const byWindow = (a: WindowResult, b: WindowResult): number =>
  a.windowEnd - b.windowEnd || String(a.key).localeCompare(String(b.key));

/** The view of a batch both sides are compared on: every output, sorted, `null` when not called. */
function expectedView(scenario: Scenario, batch: OracleBatch, index: number): Record<string, unknown> {
  const view: Record<string, unknown> = { batch: index, late: batch.late.length };
  if (scenario.eventTime) {
    view.watermark = batch.watermark;
    view.watermarkAfter = batch.watermarkAfter;
  }
  // Processing time has a batch at every window end, even an empty one.
  const boundary = !scenario.eventTime && isWindowEnd(batch.time, scenario.sizeMs, scenario.slideMs);
  for (const aggregation of AGGREGATIONS) {
    for (const emit of MODES) {
      const windows = emit === 'final' ? batch.final : batch.update;
      const rows = windows
        .map(
          (window): WindowResult => ({
            key: window.key,
            windowStart: window.windowStart,
            windowEnd: window.windowEnd,
            value: aggregation.expected(window.values),
          }),
        )
        .sort(byWindow);
      view[`${aggregation.name} ${emit}`] = rows.length > 0 || boundary ? rows : null;
    }
  }
  if (scenario.eventTime) {
    const late = lateRows(batch.late);
    for (const emit of MODES) view[`late ${emit}`] = late;
  }
  return view;
}

function actualView(
  scenario: Scenario,
  result: Awaited<ReturnType<TestDriver['runBatch']>>,
  captured: Captured,
  index: number,
): Record<string, unknown> {
  const view: Record<string, unknown> = { batch: index, late: result.late };
  if (scenario.eventTime) {
    view.watermark = result.info.watermark;
    view.watermarkAfter = result.watermark;
  }
  for (const aggregation of AGGREGATIONS) {
    for (const emit of MODES) {
      const values = captured.get(`${aggregation.name} ${emit}`) as WindowResult[] | undefined;
      view[`${aggregation.name} ${emit}`] = values ? [...values].sort(byWindow) : null;
    }
  }
  if (scenario.eventTime) {
    for (const emit of MODES) {
      const values = captured.get(`late ${emit}`) as LateRecord[] | undefined;
      view[`late ${emit}`] = values ? [...values].sort(byOrigin) : null;
    }
  }
  return view;
}

/** Per (window, key), the count of every on-time record: what final mode must emit over a whole run. */
function everyWindow(scenario: Scenario, expected: readonly OracleBatch[]): WindowResult[] {
  const counts = new Map<string, { key: string; end: number; count: number }>();
  for (const [index, records] of scenario.batches.entries()) {
    const late = new Set(expected[index]?.late.map((record) => record.record));
    const time = scenario.startTime + (index + 1) * scenario.intervalMs;
    for (const record of records) {
      if (late.has(record)) continue;
      const at = scenario.eventTime ? record.time : time - 1;
      for (const end of windowEnds(at, scenario.sizeMs, scenario.slideMs)) {
        const id = `${end}\u0000${record.key}`;
        const entry = counts.get(id) ?? { key: record.key, end, count: 0 };
        entry.count++;
        counts.set(id, entry);
      }
    }
  }
  return [...counts.values()]
    .map(({ key, end, count }) => ({ key, windowStart: end - scenario.sizeMs, windowEnd: end, value: count }))
    .sort(byWindow);
}

async function check(scenario: Scenario, restart = false): Promise<void> {
  const captured: Captured = new Map();
  const driver = new TestDriver(jobOf(scenario, captured), {
    intervalMs: scenario.intervalMs,
    startTime: scenario.startTime,
    partitions: Array.from({ length: scenario.partitions }, (_, partition) => partition),
  });
  const expected = runOracle(scenario);
  const finalCounts: WindowResult[] = [];
  for (const [index, oracle] of expected.entries()) {
    // From a checkpoint between every two batches: the outputs must not change.
    if (restart) driver.restart();
    captured.clear();
    const result = await driveBatch(driver, scenario.batches[index], scenario.kafkaTimestamp);
    expect(result.fatal).toBeUndefined();
    expect(result.lateFailures).toEqual([]);
    expect(actualView(scenario, result, captured, index)).toEqual(expectedView(scenario, oracle, index));
    finalCounts.push(...((captured.get('count final') ?? []) as WindowResult[]));
  }
  // Whatever the batches, the end of input leaves no window unemitted and emits none twice.
  expect(finalCounts.sort(byWindow)).toEqual(everyWindow(scenario, expected));
}

function scenarios(
  options: { readonly eventTime?: boolean; readonly minPartitions?: number } = {},
): fc.Arbitrary<Scenario> {
  return fc
    .record({
      eventTime: options.eventTime === undefined ? fc.boolean() : fc.constant(options.eventTime),
      kafkaTimestamp: fc.boolean(),
      window: fc
        .integer({ min: 1, max: 6 })
        .chain((size) => fc.record({ size: fc.constant(size), slide: fc.integer({ min: 1, max: size }) })),
      latenessMs: fc.oneof(fc.constantFrom(0, UNIT, 2 * UNIT), fc.integer({ min: 0, max: 4 * UNIT })),
      startUnits: fc.integer({ min: 0, max: 5 }),
      partitions: fc.integer({ min: options.minPartitions ?? 1, max: 4 }),
      ...drawnBatches(['a', 'b', 'c']),
    })
    .map((drawn): Scenario => {
      const startTime = drawn.startUnits * UNIT;
      return {
        eventTime: drawn.eventTime,
        kafkaTimestamp: drawn.eventTime && drawn.kafkaTimestamp,
        sizeMs: drawn.window.size * UNIT,
        slideMs: drawn.window.slide * UNIT,
        latenessMs: drawn.latenessMs,
        intervalMs: drawn.intervalMs,
        startTime,
        partitions: drawn.partitions,
        batches: timedBatches(drawn, startTime, drawn.partitions),
      };
    });
}

describe('window aggregations against a brute-force oracle', () => {
  it('every batch emits exactly the oracle: all aggregations, both emit modes, both time modes', async () => {
    await fc.assert(
      fc.asyncProperty(scenarios(), (scenario) => check(scenario)),
      { numRuns: 1000 },
    );
  }, 30_000);

  it('restarting from a checkpoint between every two batches changes no output', async () => {
    await fc.assert(
      fc.asyncProperty(scenarios(), (scenario) => check(scenario, true)),
      { numRuns: 500 },
    );
  }, 30_000);

  it('event time over 2–4 partitions: late records, the watermark of the slowest partition', async () => {
    await fc.assert(
      fc.asyncProperty(scenarios({ eventTime: true, minPartitions: 2 }), (scenario) => check(scenario)),
      {
        numRuns: 500,
      },
    );
  }, 30_000);
});

describe('windows whose slide does not divide their size', () => {
  const size = 3000;
  const slide = 2000;
  type Row = WindowResult<string, number>;
  const row = (windowStart: number, value: number): Row => ({
    key: 'x',
    windowStart,
    windowEnd: windowStart + size,
    value,
  });

  it('event time: windows are [n·slide, n·slide + size), counted once in final mode, whole in update mode', async () => {
    const seen: { final: Row[][]; update: Row[][]; late: LateRecord[][] } = {
      final: [],
      update: [],
      late: [],
    };
    const job = defineJob((ctx) => {
      const pairs = ctx
        .stream<{ t: number }>()
        .withWatermark(0, (record) => record.value.t)
        .map((): [string, number] => ['x', 1]);
      const final = pairs.windowAggregate<string, number>(Windows.sliding(size, slide), Aggregations.count());
      final.foreachBatch((values, info) => {
        seen.final[info.batchId] = [...values];
      });
      final.lateRecords().foreachBatch((values, info) => {
        seen.late[info.batchId] = [...values];
      });
      pairs
        .windowAggregate<string, number>(Windows.sliding(size, slide), Aggregations.count(), {
          emit: 'update',
        })
        .foreachBatch((values, info) => {
          seen.update[info.batchId] = [...values];
        });
    });
    const driver = new TestDriver(job, { partitions: [0] });
    for (const times of [[1500, 2500], [4500], [2000, 9000], []]) {
      await driver.runBatch(times.map((t) => ({ partition: 0, value: { t } })));
    }
    await driver.endOfInput();

    // Watermarks the batches run with: −∞, 2500, 4500, 9000, +∞.
    expect(seen.final).toEqual([
      undefined,
      undefined,
      [row(0, 2)],
      [row(2000, 2), row(4000, 1)],
      [row(8000, 1)],
    ]);
    expect(seen.update).toEqual([[row(0, 2), row(2000, 1)], [row(2000, 2), row(4000, 1)], [row(8000, 1)]]);
    expect(
      seen.late.map((records) => records.map(({ eventTime, watermark }) => [eventTime, watermark])),
    ).toEqual([[], [], [[2000, 4500]], [], []]);
  });

  it('processing time: a batch at every window end, n·slide + size, and none between', async () => {
    const seen: (readonly number[] | undefined)[] = [];
    const job = defineJob((ctx) => {
      ctx
        .stream<string>()
        .countByWindow(size, slide)
        .foreachBatch((values, info) => {
          seen[info.batchId] = values;
        });
    });
    const driver = new TestDriver(job, { intervalMs: 1000, partitions: [0, 1] });
    // Batch times 1000 … 8000; records at 999, 1999, 2999, 4999 (two), 5999.
    for (const count of [1, 1, 1, 0, 2, 1, 0, 0]) {
      await driver.runBatch(Array.from({ length: count }, (_, i) => ({ partition: i % 2, value: 'r' })));
    }
    // Windows [−2000, 1000), [0, 3000), [2000, 5000), [4000, 7000), [6000, 9000) end at batches 0, 2, 4, 6.
    expect(seen).toEqual([[1], undefined, [3], undefined, [3], undefined, [3]]);
    expect(seen).toHaveLength(7);
  });
});
