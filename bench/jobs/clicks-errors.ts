// A stateless job for benchmarks: each click parsed, slow or failed requests kept, reshaped, and
// written per record — to the topic in CLICKS_ERRORS_TOPIC, else as JSON lines to SLUICE_SINK's
// folder (`file:DIR`). What the sink-ready path of the slots is for: no aggregation shrinks it.
import { defineJob } from '../../src/dsl/index.ts';

type Click = { ts: number; user: string; url: string; status: number; bytes: number; latencyMs: number };

export default defineJob((ctx) => {
  const errors = ctx
    .stream<Click>()
    .filter((record) => record.value.status >= 400 || record.value.latencyMs > 100)
    .map((record) => ({
      user: record.value.user,
      url: record.value.url,
      status: record.value.status,
      latencyMs: record.value.latencyMs,
      at: record.timestamp,
    }));
  const topic = ctx.env.CLICKS_ERRORS_TOPIC;
  if (topic) errors.toKafka(topic, { key: (row) => row.user });
  else errors.saveAsTextFiles((ctx.env.SLUICE_SINK ?? 'file:/tmp/clicks-errors').replace(/^file:/, ''));
});
