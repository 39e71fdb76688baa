// Event-time windows: the slowest response per page over the last 10 s, every 2 s, and the
// records that came too late for their windows.
// Run it on the built-in generator:
//   SLUICE_TRIGGER=available-now SLUICE_GENERATOR_EVENTS=20000 npx sluice run examples/slow-pages.ts

import { Aggregations, type ClickEvent, defineJob, Windows } from 'sluice';

export default defineJob((ctx) => {
  const latency = ctx
    .stream<ClickEvent>()
    .withWatermark(2_000, (record) => record.value.ts)
    .map((record): [string, number] => [record.value.url, record.value.latencyMs])
    .windowAggregate(Windows.sliding(10_000, 2_000), Aggregations.max());

  latency.filter((row) => row.value >= 490).print(10);
  latency.lateRecords().print(5);
});
