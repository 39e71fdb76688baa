// Orders with their customer, from a table: customers (a compacted topic of JSON profiles keyed by
// the customer id; a tombstone deletes one) read as a table, orders (JSON) joined with it by their
// customer id as each order arrives — the customer as the table holds it then, the batch's table
// updates applied first. A left join: an order of a customer the table lacks (never known, or
// deleted) comes out with `customer: null`. CUSTOMERS_TOPIC and ORDERS_TOPIC rename the topics;
// ORDERS_WITH_CUSTOMERS_DIR writes JSON Lines files there instead of printing.
// Run it (a broker: `npm run kafka -- start`; SLUICE_BROKERS=<its address>):
//   printf '{"id":"c1","name":"Ada","tier":"gold"}\n{"id":"c2","name":"Bob","tier":"basic"}\n' | npx sluice produce --topic customers --create --partitions 2 --from-file - --format json --key-field id
//   printf '{"id":"o1","customer":"c1","amount":10}\n{"id":"o2","customer":"c3","amount":5}\n' | npx sluice produce --topic orders --create --partitions 2 --from-file - --format json --key-field id
//   SLUICE_TRIGGER=available-now npx sluice run examples/orders-with-customers.ts
import { defineJob } from 'sluice';

export type Customer = { readonly id: string; readonly name: string; readonly tier: string };
export type Order = { readonly id: string; readonly customer: string; readonly amount: number };
export type Enriched = {
  readonly order: string;
  readonly amount: number;
  /** The customer's profile as the table held it, or null: the table lacks the customer. */
  readonly customer: Customer | null;
};

export default defineJob((ctx) => {
  const customers = ctx.table<Customer>(ctx.env.CUSTOMERS_TOPIC ?? 'customers');
  const enriched = ctx
    .stream<Order>(ctx.env.ORDERS_TOPIC ?? 'orders')
    .map((record) => [record.value.customer, record.value])
    .leftJoinTable(customers)
    .map(([, [order, customer]]): Enriched => ({ order: order.id, amount: order.amount, customer }));
  const dir = ctx.env.ORDERS_WITH_CUSTOMERS_DIR;
  if (dir) enriched.saveAsTextFiles(dir);
  else enriched.print(1000);
});
