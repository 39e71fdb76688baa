// Orders without a payment, per day: orders (JSON, keyed by their id) left-outer-joined with
// payments (text lines "<order id> <amount>", keyed by the order id) in tumbling one-day windows of
// processing time; what is unpaid is what the join pairs with null, printed when the day's window
// closes (or, as below, when an available-now run ends). Both topics need the same partition count
// (a join of two inputs: partition q of each goes to one instance). ORDERS_TOPIC and
// PAYMENTS_TOPIC rename the topics.
// Run it (a broker: `npm run kafka -- start`; SLUICE_BROKERS=<its address>):
//   printf '{"id":"o1","account":"alice","amount":10}\n{"id":"o2","account":"bob","amount":5}\n{"id":"o3","account":"alice","amount":7}\n' | npx sluice produce --topic orders --create --partitions 2 --from-file - --format json --key-field id
//   printf 'o1 10\no3 7\n' | npx sluice produce --topic payments --create --partitions 2 --from-file - --key-separator ' '
//   SLUICE_TRIGGER=available-now npx sluice run examples/unpaid-orders.ts
import { defineJob } from 'sluice';

export type Order = { readonly id: string; readonly account: string; readonly amount: number };

const DAY = 86_400_000;

export default defineJob((ctx) => {
  const orders = ctx
    .stream<Order>(ctx.env.ORDERS_TOPIC ?? 'orders')
    .map((record) => [record.value.id, record.value]);
  const payments = ctx
    .stream<string>(ctx.env.PAYMENTS_TOPIC ?? 'payments', { format: 'string' })
    .map((record) => [record.key ?? '', Number(record.value)]);
  orders
    .window(DAY)
    .leftOuterJoin(payments.window(DAY))
    .filter(([, [, paid]]) => paid === null)
    .map(([, [order]]) => order)
    .print(100);
});
