// bench/pair-ops/run.sh: cogroup of the two topics by URL (every value to the main thread).
import { type ClickEvent, defineJob } from 'sluice';
export default defineJob((ctx) => {
  const a = ctx.stream<ClickEvent>(ctx.env.A_TOPIC ?? 'a').map((r) => [r.value.url, 1]);
  const b = ctx.stream<ClickEvent>(ctx.env.B_TOPIC ?? 'b').map((r) => [r.value.url, 1]);
  a.cogroup(b)
    .map(([url, [xs, ys]]) => [url, xs.length + ys.length])
    .foreachBatch(() => {});
});
