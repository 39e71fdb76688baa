import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { ErrorCode } from '../../src/errors/index.ts';
import aggregate from '../../src/jobs/aggregate.ts';
import type { DecodeFailure } from '../../src/task/index.ts';
import { type DriverBatch, TestDriver, type TestRecord } from '../../src/testing/index.ts';

type Env = Readonly<Record<string, string>>;
type Row = {
  readonly key: string;
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly value: number;
};

/** 2025-01-01: a multiple of every window here. */
const BASE = Date.UTC(2025, 0, 1);

/** The aggregate job under the policies the app would give it for this env. */
function driverFor(env: Env, partitions: readonly number[] = [0, 1]): TestDriver {
  const config = loadConfig(env);
  return new TestDriver(aggregate, {
    env,
    intervalMs: config.batchIntervalMs,
    decodePolicy: config.onDecodeError,
    latePolicy: config.onLateRecord,
    idleTimeoutMs: config.idleTimeoutMs,
    partitions,
  });
}

const NO_BATCH = 'no batch';

/** The rows of the job's one output, sorted by window and key, or NO_BATCH when it was not called. */
function rows(batch: DriverBatch): readonly Row[] | typeof NO_BATCH {
  expect(batch.fatal).toBeUndefined();
  expect(batch.outputs.length).toBeLessThanOrEqual(1);
  const output = batch.outputs[0];
  if (!output) return NO_BATCH;
  return [...(output.values as Row[])].sort(
    (a, b) => a.windowStart - b.windowStart || a.key.localeCompare(b.key),
  );
}

const row = (key: string, windowStart: number, windowEnd: number, value: number): Row => ({
  key,
  windowStart,
  windowEnd,
  value,
});

/** Records as JSON bytes, so dead letters carry them. */
function json(partition: number, value: Record<string, unknown>, timestamp?: number): TestRecord {
  return { partition, bytes: JSON.stringify(value), ...(timestamp === undefined ? {} : { timestamp }) };
}

function text(failure: DecodeFailure): Record<string, unknown> {
  const { topic, partition, offset, error, key, value } = failure;
  const utf8 = (bytes: Uint8Array | null | undefined) => (bytes ? Buffer.from(bytes).toString() : bytes);
  return { topic, partition, offset, error, key: utf8(key), value: utf8(value) };
}

describe('aggregate job: processing-time windows', () => {
  it('sliding counts: every second, the last 3 s per url, merged over both partitions', async () => {
    const driver = driverFor({ SLUICE_WINDOW_MS: '3000', SLUICE_SLIDE_MS: '1000' });
    const batches = [
      [json(0, { url: '/a' }), json(1, { url: '/a' }), json(1, { url: '/b' })],
      [json(0, { url: '/a' })],
      [],
      [json(1, { url: '/b' })],
      [],
      [],
      [],
    ];
    const seen = [];
    for (const records of batches) seen.push(rows(await driver.runBatch(records)));
    expect(seen).toEqual([
      [row('/a', -2000, 1000, 2), row('/b', -2000, 1000, 1)],
      [row('/a', -1000, 2000, 3), row('/b', -1000, 2000, 1)],
      [row('/a', 0, 3000, 3), row('/b', 0, 3000, 1)],
      [row('/a', 1000, 4000, 1), row('/b', 1000, 4000, 1)],
      [row('/b', 2000, 5000, 1)],
      [row('/b', 3000, 6000, 1)],
      [],
    ]);
  });

  it('tumbling sums and averages: one row per 2 s window, none between', async () => {
    const input = [
      [json(0, { url: '/a', bytes: 10 }), json(1, { url: '/a', bytes: 20 })],
      [json(1, { url: '/a', bytes: 3 }), json(0, { url: '/b', bytes: 7 })],
      [json(0, { url: '/b', bytes: 1 })],
      [],
    ];
    const results: Record<string, unknown[]> = {};
    for (const agg of ['sum', 'avg', 'min', 'max']) {
      const driver = driverFor({
        SLUICE_WINDOW_MS: '2000',
        SLUICE_AGG: agg,
        SLUICE_VALUE_FIELD: 'bytes',
      });
      const seen = [];
      for (const records of input) seen.push(rows(await driver.runBatch(records)));
      results[agg] = seen;
    }
    expect(results).toEqual({
      sum: [NO_BATCH, [row('/a', 0, 2000, 33), row('/b', 0, 2000, 7)], NO_BATCH, [row('/b', 2000, 4000, 1)]],
      avg: [NO_BATCH, [row('/a', 0, 2000, 11), row('/b', 0, 2000, 7)], NO_BATCH, [row('/b', 2000, 4000, 1)]],
      min: [NO_BATCH, [row('/a', 0, 2000, 3), row('/b', 0, 2000, 7)], NO_BATCH, [row('/b', 2000, 4000, 1)]],
      max: [NO_BATCH, [row('/a', 0, 2000, 20), row('/b', 0, 2000, 7)], NO_BATCH, [row('/b', 2000, 4000, 1)]],
    });
  });
});

describe('aggregate job: event-time windows', () => {
  const eventEnv = (extra: Env = {}): Env => ({
    SLUICE_TIME: 'event',
    SLUICE_WINDOW_MS: '10000',
    SLUICE_ALLOWED_LATENESS_MS: '1000',
    SLUICE_AGG: 'max',
    SLUICE_VALUE_FIELD: 'ms',
    ...extra,
  });

  /** [partition, url, event time after BASE, ms] per batch. */
  const clicks: readonly (readonly [number, string, number, number])[][] = [
    [
      [0, '/a', 1000, 10],
      [1, '/a', 500, 30],
      [1, '/b', 9000, 5],
    ],
    [
      [0, '/a', 12_000, 7],
      [0, '/b', 3000, 50],
      [1, '/a', 11_000, 1],
    ],
    [
      [1, '/a', 9999, 99], // late: older than the watermark 10 000
      [0, '/b', 10_000, 4], // equal to the watermark: on time
    ],
  ];

  const encodings: readonly [
    string,
    Env,
    (partition: number, url: string, time: number, ms: number) => TestRecord,
  ][] = [
    [
      'epoch ms in SLUICE_TIMESTAMP_FIELD',
      { SLUICE_TIMESTAMP_FIELD: 'ts' },
      (p, url, time, ms) => json(p, { url, ts: time, ms }),
    ],
    [
      'ISO-8601 text in SLUICE_TIMESTAMP_FIELD',
      { SLUICE_TIMESTAMP_FIELD: 'ts' },
      (p, url, time, ms) => json(p, { url, ts: new Date(time).toISOString(), ms }),
    ],
    [
      'ISO-8601 text with an offset',
      { SLUICE_TIMESTAMP_FIELD: 'ts' },
      (p, url, time, ms) =>
        json(p, { url, ts: new Date(time + 2 * 3_600_000).toISOString().replace('Z', '+02:00'), ms }),
    ],
    ['the Kafka record timestamp', {}, (p, url, time, ms) => json(p, { url, ms }, time)],
  ];

  for (const [name, extra, encode] of encodings) {
    it(`final mode, event time from ${name}: windows close on the watermark of the slower partition`, async () => {
      const driver = driverFor(eventEnv(extra));
      const seen: unknown[] = [];
      for (const batch of clicks) {
        const result = await driver.runBatch(batch.map(([p, url, at, ms]) => encode(p, url, BASE + at, ms)));
        seen.push({
          ranWith: result.info.watermark,
          rows: rows(result),
          late: result.late,
          watermark: result.watermark,
        });
      }
      const end = await driver.endOfInput();
      seen.push({ ranWith: end.info.watermark, rows: rows(end), late: end.late, watermark: end.watermark });
      expect(seen).toEqual([
        // Partition 0 holds the watermark at 1000 − 1000; partition 1 is at 9000 − 1000.
        { ranWith: Number.NEGATIVE_INFINITY, rows: NO_BATCH, late: 0, watermark: BASE },
        { ranWith: BASE, rows: NO_BATCH, late: 0, watermark: BASE + 10_000 },
        {
          ranWith: BASE + 10_000,
          rows: [row('/a', BASE, BASE + 10_000, 30), row('/b', BASE, BASE + 10_000, 50)],
          late: 1,
          watermark: BASE + 10_000,
        },
        {
          ranWith: Number.POSITIVE_INFINITY,
          rows: [row('/a', BASE + 10_000, BASE + 20_000, 7), row('/b', BASE + 10_000, BASE + 20_000, 4)],
          late: 0,
          watermark: BASE + 10_000,
        },
      ]);
    });
  }

  it('SLUICE_EMIT=update: each batch the windows it changed, whole over both partitions; closed ones never again', async () => {
    const driver = driverFor({
      SLUICE_TIME: 'event',
      SLUICE_WINDOW_MS: '10000',
      SLUICE_TIMESTAMP_FIELD: 'ts',
      SLUICE_AGG: 'sum',
      SLUICE_VALUE_FIELD: 'bytes',
      SLUICE_EMIT: 'update',
    });
    const at = (partition: number, url: string, time: number, bytes: number): TestRecord =>
      json(partition, { url, ts: BASE + time, bytes });
    const batches = [
      [at(0, '/a', 1000, 10), at(1, '/a', 2000, 5)],
      [at(1, '/a', 3000, 1), at(0, '/b', 12_000, 2)],
      [at(1, '/a', 15_000, 100)],
      [at(0, '/a', 9000, 1), at(1, '/b', 13_000, 3)],
    ];
    const seen: unknown[] = [];
    for (const records of batches) {
      const result = await driver.runBatch(records);
      seen.push({ rows: rows(result), late: result.late, watermark: result.watermark - BASE });
    }
    const end = await driver.endOfInput();
    seen.push({ rows: rows(end), late: end.late, watermark: end.watermark - BASE });
    expect(seen).toEqual([
      { rows: [row('/a', BASE, BASE + 10_000, 15)], late: 0, watermark: 1000 },
      {
        rows: [row('/a', BASE, BASE + 10_000, 16), row('/b', BASE + 10_000, BASE + 20_000, 2)],
        late: 0,
        watermark: 3000,
      },
      { rows: [row('/a', BASE + 10_000, BASE + 20_000, 100)], late: 0, watermark: 12_000 },
      // [BASE, BASE + 10 s) closed at 12 000: the record at 9000 is late, not an update.
      { rows: [row('/b', BASE + 10_000, BASE + 20_000, 5)], late: 1, watermark: 12_000 },
      { rows: NO_BATCH, late: 0, watermark: 12_000 },
    ]);
  });

  describe('a bad timestamp field is a decode error', () => {
    const env = eventEnv({ SLUICE_TIMESTAMP_FIELD: 'ts' });
    const bad: readonly [string, Record<string, unknown>, string][] = [
      [
        'text that is no time',
        { url: '/a', ts: 'yesterday', ms: 1 },
        'field ts must be epoch milliseconds within the range of a Date (±8.64e15) or an ISO-8601 time; got "yesterday"',
      ],
      ['missing', { url: '/a', ms: 1 }, 'field ts is missing'],
      [
        'null',
        { url: '/a', ts: null, ms: 1 },
        'field ts must be epoch milliseconds within the range of a Date (±8.64e15) or an ISO-8601 time; got null',
      ],
      [
        'a boolean',
        { url: '/a', ts: true, ms: 1 },
        'field ts must be epoch milliseconds within the range of a Date (±8.64e15) or an ISO-8601 time; got true',
      ],
    ];
    const good = (partition: number, time: number, ms: number): TestRecord =>
      json(partition, { url: '/a', ts: BASE + time, ms });

    for (const [name, value, error] of bad) {
      it(`${name}: SLUICE_ON_DECODE_ERROR=fail stops the batch naming the record`, async () => {
        const driver = driverFor(env);
        const result = await driver.runBatch([good(0, 1000, 1), json(0, value), good(1, 2000, 2)]);
        expect(result.fatal).toEqual({
          code: ErrorCode.decode,
          message: `cannot decode record at topic input, partition 0, offset 1: ${error}`,
        });
        expect(result.outputs).toEqual([]);
        expect(result.decodeErrors).toBe(1);
        expect(result.failures).toEqual([{ topic: 'input', partition: 0, offset: 1n, error }]);
      });
    }

    it('SLUICE_ON_DECODE_ERROR=skip: counted and sampled, the rest aggregated', async () => {
      const driver = driverFor({ ...env, SLUICE_ON_DECODE_ERROR: 'skip' });
      const first = await driver.runBatch([
        good(0, 1000, 1),
        json(0, { url: '/a', ts: 'soon', ms: 1 }),
        good(1, 2000, 2),
        json(1, { url: '/a', ms: 1 }),
      ]);
      expect(first.fatal).toBeUndefined();
      expect(first.decodeErrors).toBe(2);
      expect(first.failures).toEqual([
        {
          topic: 'input',
          partition: 0,
          offset: 1n,
          error:
            'field ts must be epoch milliseconds within the range of a Date (±8.64e15) or an ISO-8601 time; got "soon"',
        },
        { topic: 'input', partition: 1, offset: 1n, error: 'field ts is missing' },
      ]);
      expect(first.watermark).toBe(BASE);
      const end = await driver.endOfInput();
      expect(rows(end)).toEqual([row('/a', BASE, BASE + 10_000, 2)]);
    });

    it('a record with a good time but a bad value field does not move the watermark', async () => {
      const driver = driverFor({ ...env, SLUICE_ON_DECODE_ERROR: 'skip' });
      const first = await driver.runBatch([
        good(0, 30_000, 1),
        good(1, 2000, 2),
        json(1, { url: '/a', ts: BASE + 50_000, ms: 'slow' }),
      ]);
      expect(first.decodeErrors).toBe(1);
      // Partition 1 holds the watermark at 2000 − 1000: the bad record's 50 000 is not counted.
      expect(first.watermark).toBe(BASE + 1000);
    });

    it('SLUICE_ON_DECODE_ERROR=dlq: the failure carries the record bytes', async () => {
      const driver = driverFor({ ...env, SLUICE_ON_DECODE_ERROR: 'dlq', SLUICE_DLQ_TOPIC: 'input.dlq' });
      const result = await driver.runBatch([
        good(0, 1000, 1),
        { partition: 1, key: 'k', bytes: '{"url":"/a","ts":"later","ms":3}' },
      ]);
      expect(result.fatal).toBeUndefined();
      expect(result.decodeErrors).toBe(1);
      expect(result.failures.map(text)).toEqual([
        {
          topic: 'input',
          partition: 1,
          offset: 0n,
          error:
            'field ts must be epoch milliseconds within the range of a Date (±8.64e15) or an ISO-8601 time; got "later"',
          key: 'k',
          value: '{"url":"/a","ts":"later","ms":3}',
        },
      ]);
    });
  });

  describe('late records', () => {
    // Partition 0 moves the watermark to 10 000 and partition 1 to 11 000 − 1000; then two
    // records older than 10 000 arrive.
    const batches: TestRecord[][] = [
      [json(0, { url: '/a', ts: BASE + 11_000, ms: 1 }), json(1, { url: '/b', ts: BASE + 12_000, ms: 2 })],
      [
        json(1, { url: '/b', ts: BASE + 9999, ms: 3 }),
        json(0, { url: '/a', ts: BASE + 10_000, ms: 4 }),
        { partition: 0, key: 'late-key', bytes: JSON.stringify({ url: '/a', ts: BASE + 2000, ms: 5 }) },
      ],
    ];

    it('are counted and left out of their windows', async () => {
      const driver = driverFor(eventEnv({ SLUICE_TIMESTAMP_FIELD: 'ts' }));
      const first = await driver.runBatch(batches[0] ?? []);
      expect(first.watermark).toBe(BASE + 10_000);
      const second = await driver.runBatch(batches[1] ?? []);
      expect(second.late).toBe(2);
      expect(second.lateFailures).toEqual([]);
      expect(rows(second)).toBe(NO_BATCH);
      expect(rows(await driver.endOfInput())).toEqual([
        row('/a', BASE + 10_000, BASE + 20_000, 4),
        row('/b', BASE + 10_000, BASE + 20_000, 2),
      ]);
    });

    it('SLUICE_ON_LATE_RECORD=dlq: lateFailures with the record bytes and an error naming event time and watermark', async () => {
      const driver = driverFor(
        eventEnv({
          SLUICE_TIMESTAMP_FIELD: 'ts',
          SLUICE_ON_LATE_RECORD: 'dlq',
          SLUICE_DLQ_TOPIC: 'input.dlq',
        }),
      );
      expect((await driver.runBatch(batches[0] ?? [])).lateFailures).toEqual([]);
      const second = await driver.runBatch(batches[1] ?? []);
      expect(second.late).toBe(2);
      expect(second.decodeErrors).toBe(0);
      expect(second.failures).toEqual([]);
      expect(second.lateFailures.map(text)).toEqual([
        {
          topic: 'input',
          partition: 0,
          offset: 2n,
          error: `late record: event time ${BASE + 2000} is older than the watermark ${BASE + 10_000}`,
          key: 'late-key',
          value: JSON.stringify({ url: '/a', ts: BASE + 2000, ms: 5 }),
        },
        {
          topic: 'input',
          partition: 1,
          offset: 1n,
          error: `late record: event time ${BASE + 9999} is older than the watermark ${BASE + 10_000}`,
          key: null,
          value: JSON.stringify({ url: '/b', ts: BASE + 9999, ms: 3 }),
        },
      ]);
      expect(rows(await driver.endOfInput())).toEqual([
        row('/a', BASE + 10_000, BASE + 20_000, 4),
        row('/b', BASE + 10_000, BASE + 20_000, 2),
      ]);
    });
  });
});

describe('aggregate job: session windows (SLUICE_WINDOW_TYPE=session)', () => {
  const sessionEnv = (extra: Env = {}): Env => ({
    SLUICE_WINDOW_TYPE: 'session',
    SLUICE_SESSION_GAP_MS: '5000',
    SLUICE_TIME: 'event',
    SLUICE_TIMESTAMP_FIELD: 'ts',
    SLUICE_KEY_FIELD: 'user',
    SLUICE_ALLOWED_LATENESS_MS: '5000',
    ...extra,
  });
  const click = (partition: number, user: string, at: number): TestRecord =>
    json(partition, { user, ts: BASE + at, url: '/x' });
  /** Clicks per batch; both users in both partitions. */
  const batches: readonly TestRecord[][] = [
    [click(0, 'u1', 0), click(1, 'u1', 3000), click(0, 'u2', 1000)],
    // 9000 is 6 s after 3000: a new session of u1.
    [click(1, 'u1', 9000), click(0, 'u2', 12_000)],
    // Within the lateness: 6500 bridges u1's two sessions, 4000 extends u2's first.
    [click(0, 'u1', 6500), click(1, 'u2', 4000)],
    // u2 at 1000 is older than the watermark 4000: late.
    [click(0, 'u1', 30_000), click(1, 'u1', 40_000), click(1, 'u2', 1000)],
    [],
  ];
  const at = (key: string, start: number, end: number, value: number): Row =>
    row(key, BASE + start, BASE + end, value);

  it('final mode: per user, the sessions [first, last + gap) over both partitions, each once', async () => {
    const driver = driverFor(sessionEnv());
    const seen: unknown[] = [];
    for (const records of batches) {
      const result = await driver.runBatch(records);
      seen.push({ ranWith: (result.info.watermark ?? 0) - BASE, rows: rows(result), late: result.late });
    }
    seen.push({ rows: rows(await driver.endOfInput()) });
    expect(seen).toEqual([
      { ranWith: Number.NEGATIVE_INFINITY, rows: NO_BATCH, late: 0 },
      // The slower partition's largest time minus the lateness: 1000 − 5000, then 9000 − 5000.
      { ranWith: -4000, rows: NO_BATCH, late: 0 },
      { ranWith: 4000, rows: NO_BATCH, late: 0 },
      { ranWith: 4000, rows: NO_BATCH, late: 1 },
      {
        ranWith: 25_000,
        rows: [at('u1', 0, 14_000, 4), at('u2', 1000, 9000, 2), at('u2', 12_000, 17_000, 1)],
        late: 0,
      },
      { rows: [at('u1', 30_000, 35_000, 1), at('u1', 40_000, 45_000, 1)] },
    ]);
  });

  it('SLUICE_EMIT=update: changed sessions each batch, and a retraction for each session a record replaced', async () => {
    const driver = driverFor(sessionEnv({ SLUICE_EMIT: 'update' }));
    const seen: unknown[] = [];
    for (const records of batches.slice(0, 3)) seen.push(rows(await driver.runBatch(records)));
    const retracted = (key: string, start: number, end: number) => ({
      key,
      windowStart: BASE + start,
      windowEnd: BASE + end,
      value: null,
      retracted: true,
    });
    expect(seen).toEqual([
      [at('u1', 0, 8000, 2), at('u2', 1000, 6000, 1)],
      [at('u1', 9000, 14_000, 1), at('u2', 12_000, 17_000, 1)],
      [
        retracted('u1', 0, 8000),
        at('u1', 0, 14_000, 4),
        retracted('u2', 1000, 6000),
        at('u2', 1000, 9000, 2),
        retracted('u1', 9000, 14_000),
      ],
    ]);
  });

  it('hostile input: absurd times are decode errors, a negative time and a __proto__ user are data', async () => {
    const driver = driverFor(sessionEnv({ SLUICE_ON_DECODE_ERROR: 'skip' }), [0]);
    const hostile = [
      json(0, { user: '__proto__', ts: -5 }),
      json(0, { user: '__proto__', ts: -1 }),
      json(0, { user: 'u', ts: 1e300 }),
      json(0, { user: 'u', ts: 1_767_225_601_000_000_000 }),
      json(0, { user: 'u', ts: 'NaN' }),
      json(0, { user: 'u', ts: null }),
      json(0, { user: 'constructor', ts: 0 }),
    ];
    const first = await driver.runBatch(hostile);
    expect([first.fatal, first.decodeErrors]).toEqual([undefined, 4]);
    expect(rows(await driver.endOfInput())).toEqual([
      row('__proto__', -5, 4999, 2),
      row('constructor', 0, 5000, 1),
    ]);
  });
});
