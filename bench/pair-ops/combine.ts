// bench/pair-ops/run.sh: combineByKey over both topics unioned.
import { type ClickEvent, defineJob } from 'sluice';
export default defineJob((ctx) => {
  const a = ctx.stream<ClickEvent>(ctx.env.A_TOPIC ?? 'a').map((r) => [r.value.url, 1]);
  const b = ctx.stream<ClickEvent>(ctx.env.B_TOPIC ?? 'b').map((r) => [r.value.url, 1]);
  a.union(b)
    .combineByKey(
      (v) => v,
      (c, v) => c + v,
      (x, y) => x + y,
    )
    .foreachBatch(() => {});
});
