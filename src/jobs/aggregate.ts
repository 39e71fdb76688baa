// The built-in `aggregate` job: groups and aggregates by SLUICE_* fields, per batch or per window.

import { loadConfig, type SluiceConfig } from '../config/index.ts';
import type { Pair, SourceRecord } from '../core/index.ts';
import { type DStream, defineJob, type JobContext } from '../dsl/index.ts';
import { ErrorCode, SluiceError, sampleValue } from '../errors/index.ts';
import {
  Aggregations,
  EVENT_TIME_RANGE,
  isEventTime,
  type SessionResult,
  type SessionWindowSpec,
  type WindowSpec,
  Windows,
} from '../window/index.ts';
import { field, keyField } from './fields.ts';
import { writeToSink } from './sink-output.ts';

type Key = string | number | boolean;
/** A window's value, or (sessions in update mode) the retraction of a session a record replaced. */
type Row = SessionResult<Key, number>;
type Measured = { readonly key: Key; readonly measure: number; readonly time: number };

type Partial = readonly [sum: number, count: number];

/** Event time from a field: epoch milliseconds (within a Date's range), or an ISO-8601 text. */
function timeField(value: unknown, name: string): number {
  const time = field(value, name);
  if (isEventTime(time)) return time;
  const parsed = typeof time === 'string' ? Date.parse(time) : Number.NaN;
  if (isEventTime(parsed)) return parsed;
  throw new SluiceError(
    ErrorCode.decode,
    `field ${name} must be ${EVENT_TIME_RANGE} or an ISO-8601 time; got ${sampleValue(time)}`,
  );
}

function numberField(value: unknown, name: string): number {
  const number = field(value, name);
  if (typeof number === 'number' && Number.isFinite(number)) return number;
  throw new SluiceError(
    ErrorCode.decode,
    `field ${name} must be a finite number; got ${sampleValue(number)}`,
  );
}

const combine: Record<string, (a: Partial, b: Partial) => Partial> = {
  count: (a, b) => [a[0] + b[0], 0],
  sum: (a, b) => [a[0] + b[0], 0],
  min: (a, b) => [Math.min(a[0], b[0]), 0],
  max: (a, b) => [Math.max(a[0], b[0]), 0],
  avg: (a, b) => [a[0] + b[0], a[1] + b[1]],
};

/** Each batch on its own: its results span the batch interval. */
function perBatch(records: DStream<SourceRecord>, config: SluiceConfig): DStream<Row> {
  const { keyField: keyName, valueField: valueName, agg } = config;
  const reduce = combine[agg] as (a: Partial, b: Partial) => Partial;
  return records
    .map((record): Pair<Key, Partial> => {
      const key = keyField(record.value, keyName);
      const measure = agg === 'count' ? 1 : numberField(record.value, valueName ?? '');
      return [key, [measure, 1]];
    })
    .reduceByKey(reduce)
    .transform((pairs, info) =>
      pairs.map(([key, [total, count]]) => ({
        key,
        windowStart: info.time - info.intervalMs,
        windowEnd: info.time,
        value: agg === 'avg' ? total / count : total,
      })),
    );
}

/** Sliding or tumbling windows on batch time, or on event time with a watermark; sessions on event time. */
function windowed(
  records: DStream<SourceRecord>,
  config: SluiceConfig,
  spec: WindowSpec | SessionWindowSpec,
): DStream<Row> {
  const { keyField: keyName, valueField: valueName, agg, timestampField } = config;
  // Fields are checked before the watermark sees the record: a bad record must not move it.
  const rows = records.map(
    (record): Measured => ({
      key: keyField(record.value, keyName),
      measure: agg === 'count' ? 1 : numberField(record.value, valueName ?? ''),
      time: timestampField === undefined ? record.timestamp : timeField(record.value, timestampField),
    }),
  );
  const timed =
    config.time === 'event' ? rows.withWatermark(config.allowedLatenessMs, (row) => row.time) : rows;
  return timed
    .map((row): Pair<Key, number> => [row.key, row.measure])
    .windowAggregate<Key, number, number>(spec, Aggregations[agg](), { emit: config.emit });
}

/** The job's windows, if any: sessions of SLUICE_SESSION_GAP_MS, or of SLUICE_WINDOW_MS sliding by SLUICE_SLIDE_MS. */
function windowSpec(config: SluiceConfig): WindowSpec | SessionWindowSpec | undefined {
  if (config.windowType === 'session' && config.sessionGapMs !== undefined) {
    return Windows.session(config.sessionGapMs);
  }
  const { windowMs } = config;
  return windowMs === undefined ? undefined : Windows.sliding(windowMs, config.slideMs ?? windowMs);
}

/**
 * The built-in default job, configured by env alone: group by SLUICE_KEY_FIELD and aggregate
 * SLUICE_VALUE_FIELD with SLUICE_AGG, per batch or per window (SLUICE_WINDOW_MS, SLUICE_SLIDE_MS,
 * SLUICE_WINDOW_TYPE, SLUICE_SESSION_GAP_MS, SLUICE_TIME, SLUICE_TIMESTAMP_FIELD, SLUICE_ALLOWED_LATENESS_MS,
 * SLUICE_EMIT). A record without the fields, or with a wrong
 * type, is a decode error and goes through SLUICE_ON_DECODE_ERROR.
 */
export default defineJob((ctx: JobContext) => {
  const config = loadConfig(ctx.env);
  const records = ctx.stream();
  const spec = windowSpec(config);
  const results = spec === undefined ? perBatch(records, config) : windowed(records, config, spec);

  writeToSink(results, config);
});
