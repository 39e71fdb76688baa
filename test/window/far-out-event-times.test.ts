import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { defineJob } from '../../src/dsl/index.ts';
import aggregate from '../../src/jobs/aggregate.ts';
import { type DriverBatch, TestDriver, type TestRecord } from '../../src/testing/index.ts';
import {
  Aggregations,
  paneOps,
  UpdateWindows,
  type WindowResult,
  Windows,
  windowEnds,
} from '../../src/window/index.ts';

// Event times a window cannot hold: before the fix, `end += slideMs` stopped advancing once the
// float spacing at the time passed the slide, and the slot spun for ever (or ran out of heap).

/** 2026-01-01, a multiple of every window here. */
const BASE = Date.UTC(2026, 0, 1);
const NANOSECONDS = 1767225601000000000;
const FAR_OUT: readonly unknown[] = [
  1e20,
  -1e300,
  NANOSECONDS,
  -NANOSECONDS,
  'NaN',
  'Infinity',
  '+275760-09-13T00:00:00.001Z',
];
const RANGE = 'epoch milliseconds within the range of a Date (±8.64e15)';

type Row = WindowResult<string, number>;

/** [url, event time] of the valid events, over three batches. */
const VALID: readonly (readonly (readonly [string, number])[])[] = [
  [
    ['/a', BASE + 500],
    ['/a', BASE + 2500],
  ],
  [
    ['/b', BASE + 2600],
    ['/a', BASE + 9_999],
  ],
  [['/b', BASE + 31_000]],
];

/** Every window holding each valid event, counted per url: the brute-force oracle. */
function oracle(sizeMs: number, slideMs: number): Row[] {
  const counts = new Map<string, Row>();
  for (const [url, time] of VALID.flat()) {
    for (let start = Math.floor(time / slideMs) * slideMs; start > time - sizeMs; start -= slideMs) {
      const id = `${url} ${start}`;
      const row = counts.get(id) ?? { key: url, windowStart: start, windowEnd: start + sizeMs, value: 0 };
      counts.set(id, { ...row, value: row.value + 1 });
    }
  }
  return sort([...counts.values()]);
}

function sort(rows: Row[]): Row[] {
  return rows.sort((a, b) => a.windowStart - b.windowStart || a.key.localeCompare(b.key));
}

/** Each valid batch with the far-out records mixed in, on partitions 0 and 1. */
function batches(withBad: (badTime: unknown, i: number) => TestRecord): TestRecord[][] {
  return VALID.map((events, batch) => [
    ...events.map(([url, ts], i): TestRecord => ({ partition: i % 2, value: { url, ts }, timestamp: ts })),
    ...FAR_OUT.filter((_, i) => i % VALID.length === batch).map((time, i) => withBad(time, i)),
  ]);
}

async function runAll(driver: TestDriver, input: TestRecord[][]): Promise<DriverBatch[]> {
  const out: DriverBatch[] = [];
  for (const records of input) out.push(await driver.runBatch(records));
  out.push(await driver.endOfInput());
  for (const batch of out) expect(batch.fatal).toBeUndefined();
  return out;
}

const rowsOf = (out: readonly DriverBatch[]): Row[] =>
  sort(out.flatMap((batch) => (batch.outputs[0]?.values ?? []) as Row[]));

describe('far-out event times', () => {
  for (const [sizeMs, slideMs] of [
    [10_000, 2_000],
    [1_000, 100],
  ] as const) {
    for (const source of ['field', 'kafka'] as const) {
      it(`are skipped by the aggregate job (${sizeMs} ms / ${slideMs} ms, ${source} time), windows exact`, async () => {
        const env = {
          SLUICE_TIME: 'event',
          SLUICE_WINDOW_MS: String(sizeMs),
          SLUICE_SLIDE_MS: String(slideMs),
          SLUICE_ON_DECODE_ERROR: 'skip',
          ...(source === 'field' ? { SLUICE_TIMESTAMP_FIELD: 'ts' } : {}),
        };
        const config = loadConfig(env);
        const driver = new TestDriver(aggregate, {
          env,
          decodePolicy: config.onDecodeError,
          partitions: [0, 1],
        });
        // Kafka timestamps are numbers: the strings stand for NaN there.
        const bad = (time: unknown, i: number): TestRecord =>
          source === 'field'
            ? { partition: i % 2, value: { url: '/bad', ts: time } }
            : {
                partition: i % 2,
                value: { url: '/bad' },
                timestamp: typeof time === 'number' ? time : Number.NaN,
              };
        const out = await runAll(driver, batches(bad));
        expect(out.reduce((sum, batch) => sum + batch.decodeErrors, 0)).toBe(FAR_OUT.length);
        expect(rowsOf(out)).toEqual(oracle(sizeMs, slideMs));
        // The least of the partitions' largest valid event times: no far-out record moved it.
        expect(out[VALID.length - 1]?.watermark).toBe(BASE + 9_999);
      });
    }
  }

  it('say why under fail, naming the field and the value', async () => {
    const env = {
      SLUICE_TIME: 'event',
      SLUICE_WINDOW_MS: '10000',
      SLUICE_SLIDE_MS: '2000',
      SLUICE_TIMESTAMP_FIELD: 'ts',
    };
    const driver = new TestDriver(aggregate, { env, partitions: [0] });
    const batch = await driver.runBatch([{ value: { url: '/a', ts: 1e20 } }]);
    expect(batch.fatal).toEqual({
      code: 'SLUICE_DECODE',
      message: `cannot decode record at topic input, partition 0, offset 0: field ts must be ${RANGE} or an ISO-8601 time; got 100000000000000000000`,
    });
  });

  it('are dead-lettered from a user job (withWatermark, window and windowAggregate), in update mode too', async () => {
    type Click = { readonly url: string; readonly ts: unknown };
    const recordWindows: string[] = [];
    const job = defineJob((ctx) => {
      const timed = ctx.stream<Click>().withWatermark(0, (r) => r.value.ts as number);
      timed
        .map((r): [string, number] => [r.value.url, 1])
        .windowAggregate(Windows.sliding(10_000, 2_000), Aggregations.count(), { emit: 'update' })
        .foreachBatch(() => {});
      timed
        .map((r) => r.value.url)
        .window(1_000, 100)
        .foreachBatch((values) => {
          recordWindows.push(...values);
        });
    });
    const driver = new TestDriver(job, { decodePolicy: 'dlq', partitions: [0] });
    const out = await runAll(
      driver,
      batches((ts) => ({ bytes: JSON.stringify({ url: '/bad', ts }) })),
    );
    const failures = out.flatMap((batch) => batch.failures);
    expect(failures.map((failure) => [failure.error, Buffer.from(failure.value ?? []).toString()])).toEqual(
      VALID.flatMap((_, batch) => FAR_OUT.filter((_, i) => i % VALID.length === batch)).map((ts) => [
        `withWatermark: the event time must be ${RANGE}; got ${typeof ts === 'string' ? JSON.stringify(ts) : String(ts)}`,
        JSON.stringify({ url: '/bad', ts }),
      ]),
    );
    // The record windows hold each valid event in its 10 windows of 1 s every 100 ms.
    expect(recordWindows).toHaveLength(VALID.flat().length * 10);
  });
});

describe('SLUICE_MAX_EVENT_TIME_AHEAD_MS', () => {
  const HOUR = 3_600_000;
  const env = { SLUICE_TIME: 'event', SLUICE_WINDOW_MS: '10000', SLUICE_TIMESTAMP_FIELD: 'ts' };

  it('makes an event time further ahead of the batch time a decode error, before it moves the watermark', async () => {
    // Batch times: BASE + 1000, BASE + 2000, …
    const driver = new TestDriver(aggregate, {
      env,
      decodePolicy: 'dlq',
      maxEventTimeAheadMs: HOUR,
      startTime: BASE,
      partitions: [0],
    });
    const batch = await driver.runBatch([
      { value: { url: '/a', ts: BASE + 1000 + HOUR } },
      { value: { url: '/a', ts: BASE + 1001 + HOUR } },
      { value: { url: '/a', ts: 1e15 } },
      { value: { url: '/a', ts: BASE } },
    ]);
    expect(batch.failures.map((failure) => [failure.offset, failure.error])).toEqual([
      [
        1n,
        `withWatermark: the event time ${BASE + 1001 + HOUR} (2026-01-01T01:00:01.001Z) is 3600001 ms ahead of the batch time ${BASE + 1000}; SLUICE_MAX_EVENT_TIME_AHEAD_MS allows 3600000`,
      ],
      [
        2n,
        `withWatermark: the event time 1000000000000000 (+033658-09-27T01:46:40.000Z) is ${1e15 - BASE - 1000} ms ahead of the batch time ${BASE + 1000}; SLUICE_MAX_EVENT_TIME_AHEAD_MS allows 3600000`,
      ],
    ]);
    // The record exactly an hour ahead counts and leads the watermark.
    expect(batch.watermark).toBe(BASE + 1000 + HOUR);
  });

  it('reaches the slots from the config, one hour by default', () => {
    expect(loadConfig({}).maxEventTimeAheadMs).toBe(HOUR);
    expect(loadConfig({ SLUICE_MAX_EVENT_TIME_AHEAD_MS: '0' }).maxEventTimeAheadMs).toBe(0);
  });
});

describe('window assignment', () => {
  it('is bounded by size / slide at the edges of the event-time range', () => {
    const spec = Windows.sliding(10_000, 2_000);
    for (const time of [8.64e15, -8.64e15, 8.64e15 - 1, 0, -1]) {
      const ends = windowEnds(spec, time);
      expect(ends).toHaveLength(5);
      for (const end of ends) expect(end - 10_000 <= time && time < end).toBe(true);
    }
    // Outside the range the ends are not exact any more, but still no more than size / slide.
    for (const time of [1e20, -1e300, Number.NaN])
      expect(windowEnds(spec, time).length).toBeLessThanOrEqual(5);
    expect(windowEnds(Windows.sliding(1_000, 100), 8.64e15)).toHaveLength(10);
  });

  it('fires every window of an update-mode record at the end of the range', () => {
    const windows = new UpdateWindows(Windows.sliding(1_000, 100), paneOps(Aggregations.count()));
    windows.add('k', 1, 8.64e15);
    const updates = windows.takeUpdates();
    expect(updates.map((window) => [window.end - 8.64e15, window.pairs])).toEqual(
      [100, 200, 300, 400, 500, 600, 700, 800, 900, 1000].map((offset) => [offset, [['k', 1]]]),
    );
  });
});
