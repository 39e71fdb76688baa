import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SourceRecord } from '../../src/core/index.ts';
import { type DStream, defineJob, type Job } from '../../src/dsl/index.ts';
import { TestDriver } from '../../src/testing/index.ts';
import {
  Aggregations,
  type EmitMode,
  type LateRecord,
  type SessionResult,
  Windows,
} from '../../src/window/index.ts';
import {
  BASE_AGGREGATIONS,
  byOrigin,
  drawnBatches,
  driveBatch,
  lateRows,
  type OracleAggregation,
  type OracleLate,
  type OracleRecord,
  type Reading,
  sum,
  timedBatches,
  UNIT,
} from '../support/oracle-scenarios.ts';

// A brute-force model of session windows: after every batch, each key's sessions are recomputed
// from the raw on-time records (sorted by time, cut where two neighbours are `gap` or more apart),
// with the documented rules and nothing the engine keeps (no partials, no per-partition sessions).

type Scenario = {
  /** Event time from the Kafka record timestamp instead of a function of the value. */
  readonly kafkaTimestamp: boolean;
  readonly gapMs: number;
  readonly latenessMs: number;
  readonly intervalMs: number;
  readonly startTime: number;
  readonly partitions: number;
  readonly batches: readonly (readonly OracleRecord[])[];
};

/** One session of one key: `[first, last + gap)` and the values of its records. */
type OracleSession = {
  readonly key: string;
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly values: readonly number[];
  /** Whether a record of the batch being looked at is in it. */
  readonly changed: boolean;
};

type OracleRetraction = { readonly key: string; readonly windowStart: number; readonly windowEnd: number };

type OracleBatch = {
  readonly watermark: number;
  readonly watermarkAfter: number;
  readonly final: readonly OracleSession[];
  readonly update: readonly OracleSession[];
  readonly retracted: readonly OracleRetraction[];
  readonly late: readonly OracleLate[];
};

type Accepted = {
  readonly key: string;
  readonly value: number;
  readonly time: number;
  readonly batch: number;
};

/** Every session of every key, from the records alone. */
function sessionsOf(records: readonly Accepted[], gapMs: number, batch: number): OracleSession[] {
  const byKey = new Map<string, Accepted[]>();
  for (const record of records) byKey.set(record.key, [...(byKey.get(record.key) ?? []), record]);
  const out: OracleSession[] = [];
  for (const [key, list] of byKey) {
    const sorted = [...list].sort((a, b) => a.time - b.time);
    let group: Accepted[] = [];
    const close = (): void => {
      const first = group[0];
      const last = group[group.length - 1];
      if (!first || !last) return;
      out.push({
        key,
        windowStart: first.time,
        windowEnd: last.time + gapMs,
        values: group.map((record) => record.value),
        changed: group.some((record) => record.batch === batch),
      });
    };
    for (const record of sorted) {
      const previous = group[group.length - 1];
      if (previous && record.time - previous.time >= gapMs) {
        close();
        group = [];
      }
      group.push(record);
    }
    close();
  }
  return out;
}

const boundsOf = (session: { windowStart: number; windowEnd: number }): string =>
  `${session.windowStart}/${session.windowEnd}`;

/**
 * The expected batches: one per input batch, then the end of input. The watermark is the least
 * over the partitions of (largest event time − lateness), as for every event-time window. Final
 * mode emits each session once, in the first batch whose watermark reaches its end; update mode
 * emits each session holding a record of the batch, after a retraction of every session of the
 * batch's keys it emitted before whose bounds are gone; a session the watermark reached is closed.
 */
function runOracle(scenario: Scenario): OracleBatch[] {
  const { gapMs, latenessMs, partitions, batches } = scenario;
  const accepted: Accepted[] = [];
  const finalDone = new Set<string>();
  const emitted = new Map<string, Set<string>>();
  const maxTime = new Map<number, number>();
  const offsets = new Map<number, number>();
  let watermark = Number.NEGATIVE_INFINITY;
  const out: OracleBatch[] = [];
  for (let index = 0; index <= batches.length; index++) {
    const atEnd = index === batches.length;
    const records = batches[index] ?? [];
    const ranWith = atEnd ? Number.POSITIVE_INFINITY : watermark;
    const late: OracleLate[] = [];
    const touched = new Set<string>();
    for (const record of records) {
      const offset = offsets.get(record.partition) ?? 0;
      offsets.set(record.partition, offset + 1);
      if (record.time < ranWith) {
        late.push({
          partition: record.partition,
          offset,
          eventTime: record.time,
          watermark: ranWith,
          record,
        });
        continue;
      }
      accepted.push({ key: record.key, value: record.value, time: record.time, batch: index });
      touched.add(record.key);
    }
    const sessions = sessionsOf(accepted, gapMs, index);
    const update = sessions.filter((session) => session.changed);
    const retracted: OracleRetraction[] = [];
    for (const key of touched) {
      const now = new Set(sessions.filter((session) => session.key === key).map(boundsOf));
      for (const bounds of emitted.get(key) ?? []) {
        if (now.has(bounds)) continue;
        const [windowStart, windowEnd] = bounds.split('/').map(Number) as [number, number];
        retracted.push({ key, windowStart, windowEnd });
        emitted.get(key)?.delete(bounds);
      }
    }
    for (const session of update) {
      const set = emitted.get(session.key) ?? new Set<string>();
      set.add(boundsOf(session));
      emitted.set(session.key, set);
    }
    const final: OracleSession[] = [];
    for (const session of sessions) {
      if (session.windowEnd > ranWith) continue;
      emitted.get(session.key)?.delete(boundsOf(session));
      const id = `${session.key}@${boundsOf(session)}`;
      if (finalDone.has(id)) continue;
      finalDone.add(id);
      final.push(session);
    }
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
    out.push({ watermark: ranWith, watermarkAfter: watermark, final, update, retracted, late });
  }
  return out;
}

/** Reduce merges sessions with the user's function, as sessions merge partials. */
const AGGREGATIONS: readonly OracleAggregation[] = [
  ...BASE_AGGREGATIONS,
  { name: 'reduce', spec: Aggregations.reduce<number>((a, b) => a + b), expected: sum },
];
const MODES: readonly EmitMode[] = ['final', 'update'];

type Captured = Map<string, readonly unknown[]>;

function jobOf(scenario: Scenario, captured: Captured): Job {
  return defineJob((ctx) => {
    const source = ctx.stream<Reading>();
    const timed: DStream<SourceRecord<Reading>> = scenario.kafkaTimestamp
      ? source.withWatermark(scenario.latenessMs)
      : source.withWatermark(scenario.latenessMs, (record) => record.value.t);
    const pairs = timed.map((record): [string, number] => [record.value.k, record.value.v]);
    for (const aggregation of AGGREGATIONS) {
      for (const emit of MODES) {
        const results = pairs.windowAggregate(Windows.session(scenario.gapMs), aggregation.spec, { emit });
        results.foreachBatch((values) => {
          captured.set(`${aggregation.name} ${emit}`, values);
        });
        if (aggregation.name === 'count') {
          results.lateRecords().foreachBatch((values) => {
            captured.set(`late ${emit}`, values);
          });
        }
      }
    }
  });
}

const byRow = (a: SessionResult, b: SessionResult): number =>
  a.windowStart - b.windowStart ||
  a.windowEnd - b.windowEnd ||
  String(a.key).localeCompare(String(b.key)) ||
  Number('retracted' in a) - Number('retracted' in b);

function expectedView(batch: OracleBatch, index: number): Record<string, unknown> {
  const view: Record<string, unknown> = {
    batch: index,
    late: batch.late.length,
    watermark: batch.watermark,
    watermarkAfter: batch.watermarkAfter,
  };
  for (const aggregation of AGGREGATIONS) {
    for (const emit of MODES) {
      const sessions = emit === 'final' ? batch.final : batch.update;
      const rows: SessionResult[] = sessions.map((session) => ({
        key: session.key,
        windowStart: session.windowStart,
        windowEnd: session.windowEnd,
        value: aggregation.expected(session.values),
      }));
      if (emit === 'update') {
        for (const { key, windowStart, windowEnd } of batch.retracted)
          rows.push({ key, windowStart, windowEnd, value: null, retracted: true });
      }
      view[`${aggregation.name} ${emit}`] = rows.length > 0 ? rows.sort(byRow) : null;
    }
  }
  const late = lateRows(batch.late);
  for (const emit of MODES) view[`late ${emit}`] = late;
  return view;
}

function actualView(
  result: Awaited<ReturnType<TestDriver['runBatch']>>,
  captured: Captured,
  index: number,
): Record<string, unknown> {
  const view: Record<string, unknown> = {
    batch: index,
    late: result.late,
    watermark: result.info.watermark,
    watermarkAfter: result.watermark,
  };
  for (const aggregation of AGGREGATIONS) {
    for (const emit of MODES) {
      const values = captured.get(`${aggregation.name} ${emit}`) as SessionResult[] | undefined;
      view[`${aggregation.name} ${emit}`] = values ? [...values].sort(byRow) : null;
    }
  }
  for (const emit of MODES) {
    const values = captured.get(`late ${emit}`) as LateRecord[] | undefined;
    view[`late ${emit}`] = values ? [...values].sort(byOrigin) : null;
  }
  return view;
}

async function check(scenario: Scenario, restart = false): Promise<void> {
  const captured: Captured = new Map();
  const driver = new TestDriver(jobOf(scenario, captured), {
    intervalMs: scenario.intervalMs,
    startTime: scenario.startTime,
    partitions: Array.from({ length: scenario.partitions }, (_, partition) => partition),
  });
  const expected = runOracle(scenario);
  const finals: SessionResult[] = [];
  const updates = new Map<string, SessionResult>();
  for (const [index, oracle] of expected.entries()) {
    if (restart) driver.restart();
    captured.clear();
    const result = await driveBatch(driver, scenario.batches[index], scenario.kafkaTimestamp);
    expect(result.fatal).toBeUndefined();
    expect(actualView(result, captured, index)).toEqual(expectedView(oracle, index));
    finals.push(...((captured.get('count final') ?? []) as SessionResult[]));
    for (const row of (captured.get('count update') ?? []) as SessionResult[]) {
      const id = `${String(row.key)}@${boundsOf(row)}`;
      if ('retracted' in row) updates.delete(id);
      else updates.set(id, row);
    }
  }
  // Over a whole run: final mode emits every session once; update mode's rows, retractions
  // applied, leave exactly the same sessions with the same values.
  const accepted = scenario.batches.flatMap((records, index) => {
    const late = new Set(expected[index]?.late.map((record) => record.record));
    return records
      .filter((record) => !late.has(record))
      .map((record) => ({ key: record.key, value: record.value, time: record.time, batch: index }));
  });
  const every = sessionsOf(accepted, scenario.gapMs, -1)
    .map(({ key, windowStart, windowEnd, values }) => ({ key, windowStart, windowEnd, value: values.length }))
    .sort(byRow);
  expect([...finals].sort(byRow)).toEqual(every);
  expect([...updates.values()].sort(byRow)).toEqual(every);
}

function scenarios(options: { readonly minPartitions?: number } = {}): fc.Arbitrary<Scenario> {
  return fc
    .record({
      kafkaTimestamp: fc.boolean(),
      gapMs: fc.oneof(
        fc.integer({ min: 1, max: 6 }).map((units) => units * UNIT),
        fc.integer({ min: 1, max: 8 * UNIT }),
        fc.constant(1),
      ),
      latenessMs: fc.oneof(fc.constantFrom(0, UNIT, 2 * UNIT), fc.integer({ min: 0, max: 6 * UNIT })),
      startUnits: fc.integer({ min: -5, max: 5 }),
      partitions: fc.integer({ min: options.minPartitions ?? 1, max: 4 }),
      ...drawnBatches(['a', 'b', 'c', '__proto__']),
    })
    .map((drawn): Scenario => {
      const startTime = drawn.startUnits * UNIT;
      return {
        kafkaTimestamp: drawn.kafkaTimestamp,
        gapMs: drawn.gapMs,
        latenessMs: drawn.latenessMs,
        intervalMs: drawn.intervalMs,
        startTime,
        partitions: drawn.partitions,
        batches: timedBatches(drawn, startTime, drawn.partitions),
      };
    });
}

describe('session windows against a brute-force oracle', () => {
  it('every batch emits exactly the oracle: every aggregation, both emit modes, merges and late records', async () => {
    await fc.assert(
      fc.asyncProperty(scenarios(), (scenario) => check(scenario)),
      { numRuns: 400 },
    );
  }, 60_000);

  it('restarting from a checkpoint between every two batches changes no output', async () => {
    await fc.assert(
      fc.asyncProperty(scenarios(), (scenario) => check(scenario, true)),
      { numRuns: 200 },
    );
  }, 60_000);

  it('2–4 partitions per key: sessions bridged across partitions, the slowest partition holds them open', async () => {
    await fc.assert(
      fc.asyncProperty(scenarios({ minPartitions: 2 }), (scenario) => check(scenario)),
      { numRuns: 300 },
    );
  }, 60_000);
});
