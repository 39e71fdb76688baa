// The built-in `running-count` job: a count per SLUICE_KEY_FIELD since the start, in keyed state.

import { loadConfig } from '../config/index.ts';
import type { Pair } from '../core/index.ts';
import { defineJob, type JobContext } from '../dsl/index.ts';
import { keyField } from './fields.ts';
import { writeToSink } from './sink-output.ts';

type Key = string | number | boolean;

/** A key's count so far, as of the batch at `time` (epoch ms). */
export type RunningCount = { readonly key: Key; readonly value: number; readonly time: number };

/**
 * Counts the records of each SLUICE_KEY_FIELD value since the run began (Spark's
 * `updateStateByKey`): the counts live in keyed state in the worker slots, are checkpointed with
 * SLUICE_CHECKPOINT_DIR and follow their partitions. Each batch writes every key's count as
 * `{"key", "value", "time"}` to SLUICE_SINK. A record without the field is a decode error.
 */
export default defineJob((ctx: JobContext) => {
  const config = loadConfig(ctx.env);
  const counts = ctx
    .stream()
    .map((record): Pair<Key, number> => [keyField(record.value, config.keyField), 1])
    .updateStateByKey<number>((ones, count) => (count ?? 0) + ones.length)
    .transform((pairs, info) => pairs.map(([key, value]): RunningCount => ({ key, value, time: info.time })));
  writeToSink(counts, config);
});
