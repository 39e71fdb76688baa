/** What the window oracles share: drawn batches of keyed readings, aggregations that show their inputs, the driver run. */
import fc from 'fast-check';
import type { TestDriver } from '../../src/testing/index.ts';
import { type AggregationSpec, Aggregations, type LateRecord } from '../../src/window/index.ts';

/** One reading of a scenario: its partition, window key, value and event time. */
export type OracleRecord = {
  readonly partition: number;
  readonly key: string;
  readonly value: number;
  /** Event time; ignored on processing time, where the batch decides. */
  readonly time: number;
};

/** The value of a reading as the jobs under test read it. */
export type Reading = { readonly k: string; readonly v: number; readonly t: number };

/** A record the oracle found late, with the watermark its batch ran with. */
export type OracleLate = {
  readonly partition: number;
  readonly offset: number;
  readonly eventTime: number;
  readonly watermark: number;
  readonly record: OracleRecord;
};

export type OracleAggregation = {
  readonly name: string;
  readonly spec: AggregationSpec;
  expected(values: readonly number[]): unknown;
};

export const ascending = (values: readonly number[]): number[] => [...values].sort((a, b) => a - b);
export const merged = (a: readonly number[], b: readonly number[]): number[] => ascending([...a, ...b]);
export const sum = (values: readonly number[]): number => values.reduce((total, value) => total + value, 0);

/** The built-ins, and a user aggregation that keeps the values themselves: a part in or out twice shows. */
export const BASE_AGGREGATIONS: readonly OracleAggregation[] = [
  { name: 'count', spec: Aggregations.count(), expected: (values) => values.length },
  { name: 'sum', spec: Aggregations.sum(), expected: sum },
  { name: 'min', spec: Aggregations.min(), expected: (values) => Math.min(...values) },
  { name: 'max', spec: Aggregations.max(), expected: (values) => Math.max(...values) },
  { name: 'avg', spec: Aggregations.avg(), expected: (values) => sum(values) / values.length },
  {
    name: 'values without subtract',
    spec: Aggregations.of<number, number[], string>({
      empty: () => [],
      add: (acc, value) => merged(acc, [value]),
      merge: merged,
      result: (acc) => acc.join(' '),
    }),
    expected: (values) => ascending(values).join(' '),
  },
];

export const UNIT = 1000;

/** Event times around each batch's nominal time: out of order, on and beside unit bounds, some far off. */
export const offsetMs = fc.oneof(
  fc.integer({ min: -8 * UNIT, max: 3 * UNIT }),
  fc.integer({ min: -40 * UNIT, max: 40 * UNIT }),
  fc.integer({ min: -8, max: 3 }).map((units) => units * UNIT),
  fc.integer({ min: -8, max: 3 }).map((units) => units * UNIT - 1),
);

/** Batches of readings, each at `offsetMs` from its batch's nominal time. */
export function drawnBatches(keys: readonly string[]) {
  return {
    intervalMs: fc.constantFrom(UNIT / 2, UNIT),
    stepMs: fc.constantFrom(0, UNIT / 2, UNIT, 2 * UNIT, 7 * UNIT),
    batches: fc.array(
      fc.array(
        fc.record({
          partition: fc.nat({ max: 3 }),
          key: fc.constantFrom(...keys),
          value: fc.integer({ min: -20, max: 20 }),
          offsetMs,
        }),
        { maxLength: 8 },
      ),
      { minLength: 1, maxLength: 10 },
    ),
  };
}

type Drawn = {
  readonly stepMs: number;
  readonly batches: readonly (readonly {
    partition: number;
    key: string;
    value: number;
    offsetMs: number;
  }[])[];
};

/** The drawn batches as records: batch n's nominal time is `startTime + n · stepMs`. */
export function timedBatches(drawn: Drawn, startTime: number, partitions: number): OracleRecord[][] {
  return drawn.batches.map((records, index) =>
    records.map((record) => ({
      partition: record.partition % partitions,
      key: record.key,
      value: record.value,
      time: startTime + index * drawn.stepMs + record.offsetMs,
    })),
  );
}

/** One batch of the scenario through the driver (the end of input after the last). */
export function driveBatch(
  driver: TestDriver,
  records: readonly OracleRecord[] | undefined,
  kafkaTimestamp: boolean,
): ReturnType<TestDriver['runBatch']> {
  if (!records) return driver.endOfInput();
  return driver.runBatch(
    records.map((record) => ({
      partition: record.partition,
      value: { k: record.key, v: record.value, t: record.time },
      ...(kafkaTimestamp ? { timestamp: record.time } : {}),
    })),
  );
}

export const byOrigin = (a: LateRecord, b: LateRecord): number =>
  a.partition - b.partition || Number(a.offset) - Number(b.offset);

/** What `lateRecords()` must give for the oracle's late records, in origin order. */
export function lateRows(late: readonly OracleLate[]): LateRecord[] {
  return late
    .map(
      (record): LateRecord => ({
        topic: 'input',
        partition: record.partition,
        offset: String(record.offset),
        eventTime: record.eventTime,
        watermark: record.watermark,
        value: [record.record.key, record.record.value],
      }),
    )
    .sort(byOrigin);
}
