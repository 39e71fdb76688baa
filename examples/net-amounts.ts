// Net amounts per account from two inputs in two formats: orders as JSON, refunds as text lines
// "<account> <amount>", unioned and reduced by key each batch. (ORDERS_TOPIC and REFUNDS_TOPIC
// rename the topics.)
// Run it (a broker: `npm run kafka -- start`; SLUICE_BROKERS=<its address>; no SLUICE_TOPICS needed):
//   printf '{"account":"alice","amount":10}\n{"account":"bob","amount":5}\n{"account":"alice","amount":2.5}\n' | npx sluice produce --topic orders --create --partitions 2 --from-file -
//   printf 'alice 3\nbob 5\n' | npx sluice produce --topic refunds --create --partitions 2 --from-file -
//   SLUICE_TRIGGER=available-now npx sluice run examples/net-amounts.ts
import { defineJob } from 'sluice';

export type Order = { readonly account: string; readonly amount: number };

/** A refund line's account and its amount, negated; a line without a number counts 0. */
export function refund(line: string): [string, number] {
  const [account = '', amount = ''] = line.trim().split(/\s+/);
  const value = Number(amount);
  return [account, Number.isFinite(value) ? -value : 0];
}

export default defineJob((ctx) => {
  const orders = ctx
    .stream<Order>(ctx.env.ORDERS_TOPIC ?? 'orders')
    .map((record) => [record.value.account, record.value.amount]);
  const refunds = ctx
    .stream<string>(ctx.env.REFUNDS_TOPIC ?? 'refunds', { format: 'string' })
    .map((record) => refund(record.value));
  orders
    .union(refunds)
    .reduceByKey((a, b) => a + b)
    .print();
});
