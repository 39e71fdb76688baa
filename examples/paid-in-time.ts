// Orders paid within ten minutes, by event time: orders and payments (JSON, each with the order id
// and an epoch-ms `ts`) in an interval join — a payment joins its order when it is timed from the
// order's time to ten minutes after it, whichever batch each arrives in. A left outer join: an
// order no payment joined comes out with `paid: null` once the watermark has passed its ten
// minutes (at the latest when an available-now run ends). ORDERS_TOPIC and PAYMENTS_TOPIC rename
// the topics; PAID_IN_TIME_DIR writes JSON Lines files there instead of printing.
// Run it (a broker: `npm run kafka -- start`; SLUICE_BROKERS=<its address>):
//   printf '{"id":"o1","account":"alice","amount":10,"ts":1735689600000}\n{"id":"o2","account":"bob","amount":5,"ts":1735689660000}\n{"id":"o3","account":"carol","amount":7,"ts":1735689720000}\n' | npx sluice produce --topic orders --create --partitions 2 --from-file - --format json --key-field id
//   printf '{"order":"o1","amount":10,"ts":1735689900000}\n{"order":"o2","amount":5,"ts":1735690560000}\n{"order":"o3","amount":7,"ts":1735689690000}\n' | npx sluice produce --topic payments --create --partitions 2 --from-file - --format json --key-field order
//   SLUICE_TRIGGER=available-now npx sluice run examples/paid-in-time.ts
import { defineJob } from 'sluice';

export type Order = {
  readonly id: string;
  readonly account: string;
  readonly amount: number;
  readonly ts: number;
};
export type Payment = { readonly order: string; readonly amount: number; readonly ts: number };
export type Outcome = {
  readonly order: string;
  readonly account: string;
  readonly amount: number;
  /** The payment's amount, or null: none within ten minutes. */
  readonly paid: number | null;
  /** Milliseconds from the order to the payment. */
  readonly afterMs: number | null;
};

export const WITHIN_MS = 600_000;
/** How far behind the newest event time a record may arrive and still count. */
const LATENESS_MS = 60_000;

export default defineJob((ctx) => {
  const orders = ctx
    .stream<Order>(ctx.env.ORDERS_TOPIC ?? 'orders')
    .withWatermark(LATENESS_MS, (record) => record.value.ts)
    .map((record) => [record.value.id, record.value]);
  const payments = ctx
    .stream<Payment>(ctx.env.PAYMENTS_TOPIC ?? 'payments')
    .withWatermark(LATENESS_MS, (record) => record.value.ts)
    .map((record) => [record.value.order, record.value]);
  const outcomes = orders.leftOuterJoin(payments, { within: [0, WITHIN_MS] }).map(
    ([id, [order, payment]]): Outcome => ({
      order: id,
      account: order.account,
      amount: order.amount,
      paid: payment?.amount ?? null,
      afterMs: payment ? payment.ts - order.ts : null,
    }),
  );
  const dir = ctx.env.PAID_IN_TIME_DIR;
  if (dir) outcomes.saveAsTextFiles(dir);
  else outcomes.print(1000);
});
