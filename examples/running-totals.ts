// Running totals per Kafka record key with updateStateByKey: each record's value is an amount,
// a null value (a tombstone) forgets the key. Every batch emits every key's totals.
// Run it on payments keyed by account (a broker: `npm run kafka -- start`; SLUICE_BROKERS=<its address>):
//   printf 'alice:10\nbob:5\nalice:7.5\ncarol:2\nbob:1\n' | npx sluice produce --topic payments --create --partitions 2 --from-file - --key-separator :
//   SLUICE_TOPICS=payments SLUICE_CHECKPOINT_DIR=checkpoints/totals SLUICE_TRIGGER=available-now npx sluice run examples/running-totals.ts
import { defineJob } from 'sluice';

export type Totals = { readonly count: number; readonly sum: number };

/** Folds a batch's amounts into a key's totals, in record order; null starts the key afresh. */
export function addAmounts(
  amounts: readonly (number | null)[],
  totals: Totals | undefined,
): Totals | undefined {
  return amounts.reduce<Totals | undefined>(
    (acc, amount) =>
      amount === null ? undefined : { count: (acc?.count ?? 0) + 1, sum: (acc?.sum ?? 0) + amount },
    totals,
  );
}

export default defineJob((ctx) => {
  // The stream's key is the record key: each key's state lives with its input partition.
  const totals = ctx
    .stream<number | null>()
    .filter((record) => record.key !== null)
    .map((record): [string, number | null] => [record.key ?? '', record.value])
    .updateStateByKey(addAmounts);

  const dir = ctx.env.RUNNING_TOTALS_DIR;
  if (dir) totals.saveAsTextFiles(dir);
  else totals.print(20);
});
