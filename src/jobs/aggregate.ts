import { loadConfig } from '../config/index.ts';
import { ErrorCode, SluiceError } from '../errors/index.ts';
import { type DStream, defineJob, type Pair } from '../stream/index.ts';

/** A row of the aggregate job's output: the shape every window result has. */
export type WindowResult = { key: unknown; windowStart: number; windowEnd: number; value: number };

type Partial = readonly [sum: number, count: number];

const CONSOLE_ROWS = 20;

function field(value: unknown, name: string): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SluiceError(ErrorCode.decode, `value is not a JSON object`);
  }
  if (!(name in value)) throw new SluiceError(ErrorCode.decode, `field ${name} is missing`);
  return (value as Record<string, unknown>)[name];
}

function keyField(value: unknown, name: string): string | number | boolean {
  const key = field(value, name);
  if (typeof key === 'string' || typeof key === 'number' || typeof key === 'boolean') return key;
  throw new SluiceError(
    ErrorCode.decode,
    `field ${name} must be a string, number or boolean; got ${JSON.stringify(key)}`,
  );
}

function numberField(value: unknown, name: string): number {
  const number = field(value, name);
  if (typeof number === 'number' && Number.isFinite(number)) return number;
  throw new SluiceError(
    ErrorCode.decode,
    `field ${name} must be a finite number; got ${JSON.stringify(number)}`,
  );
}

const combine: Record<string, (a: Partial, b: Partial) => Partial> = {
  count: (a, b) => [a[0] + b[0], 0],
  sum: (a, b) => [a[0] + b[0], 0],
  min: (a, b) => [Math.min(a[0], b[0]), 0],
  max: (a, b) => [Math.max(a[0], b[0]), 0],
  avg: (a, b) => [a[0] + b[0], a[1] + b[1]],
};

/**
 * The built-in default job, configured by env alone: per batch, group by SLUICE_KEY_FIELD and
 * aggregate SLUICE_VALUE_FIELD with SLUICE_AGG. A record without the fields, or with a wrong
 * type, is a decode error and goes through SLUICE_ON_DECODE_ERROR.
 */
export default defineJob((ctx) => {
  const config = loadConfig(ctx.env);
  const { keyField: keyName, valueField: valueName, agg } = config;
  const reduce = combine[agg] as (a: Partial, b: Partial) => Partial;

  const results: DStream<WindowResult> = ctx
    .stream()
    .map((record): Pair<string | number | boolean, Partial> => {
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

  const { sink } = config;
  if (sink.type === 'console') results.print(CONSOLE_ROWS);
  else if (sink.type === 'file') results.saveAsTextFiles(sink.dir);
  else results.toKafka(sink.topic, { key: (row) => row.key, compression: config.sinkCompression });
});
