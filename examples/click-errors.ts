// Slow or failed requests, one output record per input record: each click parsed, kept when its
// status is an error or it took over 100 ms, reshaped, and written to the topic in
// CLICKS_ERRORS_TOPIC (keyed by user), else as JSON lines to SLUICE_SINK's folder (`file:DIR`) or
// CLICKS_ERRORS_DIR (default `click-errors`).
// The slots write the output's bytes themselves (docs/sinks.md); bench/compare-trees.sh times it.
// Run it on clicks in Kafka (a broker: `npm run kafka -- start`; SLUICE_BROKERS=<its address>):
//   npx sluice produce --topic clicks --create --partitions 4 --count 20000
//   npx sluice topics create click-errors --partitions 4
//   SLUICE_TOPICS=clicks CLICKS_ERRORS_TOPIC=click-errors SLUICE_TRIGGER=available-now npx sluice run examples/click-errors.ts
// or on the built-in generator, into ./click-errors: SLUICE_TRIGGER=available-now npx sluice run examples/click-errors.ts
import { defineJob } from 'sluice';

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
  else {
    const sink = ctx.env.SLUICE_SINK ?? '';
    errors.saveAsTextFiles(
      sink.startsWith('file:') ? sink.slice(5) : (ctx.env.CLICKS_ERRORS_DIR ?? 'click-errors'),
    );
  }
});
