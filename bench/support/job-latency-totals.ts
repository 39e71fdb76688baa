// updateStateByKey on the generator's clicks: count and sum of latencyMs per user.
// examples/running-totals.ts folds each record's value as an amount, and the generator's values are
// click objects, so this job feeds the same fold (`addAmounts`) the click's latencyMs instead.
// LATENCY_TOTALS_DIR names the folder for the file sink: every batch writes every user's totals.
import { addAmounts } from '../../examples/running-totals.ts';
import { defineJob } from '../../src/dsl/index.ts';
import type { ClickEvent } from '../../src/task/index.ts';

export default defineJob((ctx) => {
  const dir = ctx.env.LATENCY_TOTALS_DIR;
  if (!dir) throw new Error('LATENCY_TOTALS_DIR must name the folder the totals are written to');
  ctx
    .stream<ClickEvent>()
    .map((record): [string, number] => [record.value.user, record.value.latencyMs])
    .updateStateByKey(addAmounts)
    .saveAsTextFiles(dir);
});
