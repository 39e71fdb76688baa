import { describe, expect, it, onTestFailed } from 'vitest';
import { type Order, type Outcome, type Payment, WITHIN_MS } from '../../examples/paid-in-time.ts';
import { killIfRunning, runCli, startCli, waitForLog } from '../support/cli.ts';
import { readJsonLines } from '../support/files.ts';
import { committedOffsets, sharedClients, testBrokers, uniqueName } from '../support/kafka.ts';
import { finishedSummary, logged } from '../support/logs.ts';
import { random } from '../support/random.ts';
import { tempDirs } from '../support/temp-dirs.ts';

// examples/paid-in-time.ts (an event-time interval left outer join of orders and payments) in real
// `sluice run` processes over two 4-partition topics: its rows against an oracle computed from
// the produced data, in one run and across a restart from a checkpoint.

const kafka = sharedClients('interval-join-test');
const tempDir = tempDirs('sluice-interval-join');

const BASE = Date.UTC(2025, 0, 1);
const PARTITIONS = 4;
const ORDERS = 400;
const ORDER_STEP_MS = 1_250;
/** Records leave in event-time order give or take this: less than the job's allowed lateness (60 s). */
const DISORDER_MS = 20_000;

type Produced<T> = { readonly partition: number; readonly value: T };
type Data = { readonly orders: Produced<Order>[]; readonly payments: Produced<Payment>[] };

/**
 * Orders, and payments for most of them: in their ten minutes (the bounds included), late, before
 * the order, two for one order, or none. Payment partitions are random, not their order's: the
 * join routes keys to their state partition itself. With `closing`, each partition of both topics
 * ends with a record an hour ahead, which joins nothing: its watermark lets a checkpointed run
 * (which keeps waiting values for the next run rather than flush them at the end of its input)
 * emit every other order that went unpaid.
 */
function data(seed: number, closing = false): Data {
  const next = random(seed);
  const orders: Produced<Order>[] = [];
  const payments: Produced<Payment>[] = [];
  const pay = (order: Order, afterMs: number) =>
    payments.push({
      partition: Math.floor(next() * PARTITIONS),
      value: { order: order.id, amount: payments.length + 1, ts: order.ts + afterMs },
    });
  for (let i = 0; i < ORDERS; i++) {
    const order: Order = {
      id: `o${i}`,
      account: `a${i % 17}`,
      amount: 1 + (i % 50),
      ts: BASE + i * ORDER_STEP_MS,
    };
    orders.push({ partition: i % PARTITIONS, value: order });
    const draw = next();
    if (i % 40 === 0) pay(order, 0);
    else if (i % 40 === 1) pay(order, WITHIN_MS);
    else if (i % 40 === 2) pay(order, WITHIN_MS + 1);
    else if (draw < 0.55) pay(order, Math.floor(next() * WITHIN_MS));
    else if (draw < 0.65) {
      pay(order, Math.floor(next() * WITHIN_MS));
      pay(order, Math.floor(next() * WITHIN_MS));
    } else if (draw < 0.8) pay(order, WITHIN_MS + 1 + Math.floor(next() * WITHIN_MS));
    else if (draw < 0.9) pay(order, -1 - Math.floor(next() * 180_000));
  }
  // Each partition's records in event-time order, disturbed by up to DISORDER_MS.
  const disordered = <T extends { ts: number }>(records: Produced<T>[]) =>
    records
      .map((record) => ({ record, at: record.value.ts + next() * DISORDER_MS }))
      .sort((a, b) => a.at - b.at)
      .map(({ record }) => record);
  const data = { orders: disordered(orders), payments: disordered(payments) };
  if (!closing) return data;
  const far = BASE + ORDERS * ORDER_STEP_MS + 3_600_000;
  for (let partition = 0; partition < PARTITIONS; partition++) {
    data.orders.push({ partition, value: { id: CLOSING, account: '-', amount: 0, ts: far } });
    data.payments.push({ partition, value: { order: `${CLOSING}-payment`, amount: 0, ts: far } });
  }
  return data;
}

const CLOSING = 'closing';

/** Every row the job must write: each order with each payment in its ten minutes, or with null. */
function oracle({ orders, payments }: Data): Outcome[] {
  return sorted(
    orders.flatMap(({ value: order }): Outcome[] => {
      if (order.id === CLOSING) return [];
      const paid = payments
        .map(({ value }) => value)
        .filter((p) => p.order === order.id && p.ts >= order.ts && p.ts <= order.ts + WITHIN_MS);
      const row = { order: order.id, account: order.account, amount: order.amount };
      return paid.length === 0
        ? [{ ...row, paid: null, afterMs: null }]
        : paid.map((p) => ({ ...row, paid: p.amount, afterMs: p.ts - order.ts }));
    }),
  );
}

const sorted = (rows: Outcome[]): Outcome[] =>
  [...rows].sort((a, b) => a.order.localeCompare(b.order) || (a.paid ?? 0) - (b.paid ?? 0));

async function topics(produced: Data): Promise<{ orders: string; payments: string }> {
  const names = { orders: uniqueName('orders'), payments: uniqueName('payments') };
  await kafka.admin.createTopics({
    topics: Object.values(names).map((topic) => ({ topic, numPartitions: PARTITIONS })),
    waitForLeaders: true,
  });
  for (const [name, records] of [
    [names.orders, produced.orders],
    [names.payments, produced.payments],
  ] as const) {
    await kafka.producer.send({
      topic: name,
      acks: -1,
      messages: records.map((record) => ({
        partition: record.partition,
        value: JSON.stringify(record.value),
      })),
    });
  }
  return names;
}

function env(names: { orders: string; payments: string }, sink: string, extra: Record<string, string> = {}) {
  return {
    SLUICE_BROKERS: testBrokers().join(','),
    SLUICE_JOB: 'examples/paid-in-time.ts',
    ORDERS_TOPIC: names.orders,
    PAYMENTS_TOPIC: names.payments,
    PAID_IN_TIME_DIR: sink,
    SLUICE_GROUP_ID: uniqueName('paid-in-time'),
    SLUICE_TRIGGER: 'available-now',
    SLUICE_WORKERS: '2',
    SLUICE_MAX_RECORDS_PER_BATCH: '25',
    // A partition whose fetch lags must hold the watermark back, or its records could be late.
    SLUICE_IDLE_TIMEOUT_MS: '600000',
    SLUICE_LOG_LEVEL: 'info',
    ...extra,
  };
}

describe('an interval join of two 4-partition topics (examples/paid-in-time.ts)', () => {
  it('one run: every row of the oracle, once; bounds included; none late', async () => {
    const produced = data(21);
    const expected = oracle(produced);
    // The mix the data is meant to have: met twice, never met, the bounds.
    expect(expected.filter((row) => row.paid === null).length).toBeGreaterThan(ORDERS / 5);
    expect(expected.length - new Set(expected.map((row) => row.order)).size).toBeGreaterThan(10);
    expect(expected.filter((row) => row.afterMs === 0 || row.afterMs === WITHIN_MS)).toHaveLength(20);
    const names = await topics(produced);
    const sink = tempDir();

    const result = await runCli(['run'], env(names, sink));

    expect(result.code).toBe(0);
    const total = produced.orders.length + produced.payments.length;
    expect(finishedSummary(result.stderr)).toEqual({ records: total, decodeErrors: 0, late: 0 });
    expect(sorted(readJsonLines<Outcome>(sink))).toEqual(expected);
  });

  it('a restart from a checkpoint mid-stream (SIGTERM, then a new process) changes no row', async () => {
    const produced = data(22, true);
    const names = await topics(produced);
    const [first, second] = [tempDir(), tempDir()];
    const group = uniqueName('paid-in-time-ckpt');
    const checkpoints = tempDir();
    const at = (sink: string, extra: Record<string, string> = {}) =>
      env(names, sink, {
        SLUICE_GROUP_ID: group,
        SLUICE_CHECKPOINT_DIR: checkpoints,
        SLUICE_CHECKPOINT_INTERVAL_MS: '200',
        SLUICE_MAX_RECORDS_PER_BATCH: '5',
        ...extra,
      });
    const cli = startCli(
      ['run'],
      at(first, { SLUICE_TRIGGER: 'micro-batch', SLUICE_BATCH_INTERVAL_MS: '50', SLUICE_LOG_LEVEL: 'debug' }),
    );
    onTestFailed(() => killIfRunning(cli));
    let done = 0;
    await waitForLog(cli, '4 batches and a row written', (line) => {
      if (line.msg === 'batch done') done++;
      return done >= 4 && readJsonLines(first).length > 0;
    });
    cli.child.kill('SIGTERM');
    expect((await cli.done).code).toBe(0);
    const stopped = {
      orders: await committedOffsets(kafka.admin, group, names.orders),
      payments: await committedOffsets(kafka.admin, group, names.payments),
    };
    const read = [...stopped.orders, ...stopped.payments].reduce((sum, offset) => sum + Number(offset), 0);
    expect(read).toBeGreaterThan(0);
    expect(read).toBeLessThan(produced.orders.length + produced.payments.length);

    const resumed = await runCli(['run'], at(second));
    expect(resumed.code).toBe(0);
    expect(logged(resumed.stderr, 'state restored from checkpoint').length).toBeGreaterThan(0);
    const total = produced.orders.length + produced.payments.length;
    expect(finishedSummary(resumed.stderr)).toEqual({ records: total - read, decodeErrors: 0, late: 0 });

    const before = readJsonLines<Outcome>(first);
    const after = readJsonLines<Outcome>(second);
    expect(sorted([...before, ...after])).toEqual(oracle(produced));
    // Rows the second process wrote for orders only the first one read: their state was restored.
    const readFirst = new Set(
      [0, 1, 2, 3].flatMap((partition) =>
        produced.orders
          .filter((order) => order.partition === partition)
          .slice(0, Number(stopped.orders[partition]))
          .map((order) => order.value.id),
      ),
    );
    expect(after.filter((row) => readFirst.has(row.order)).length).toBeGreaterThan(0);
  }, 120_000);
});
