import { describe, expect, it, onTestFailed } from 'vitest';
import type { Customer, Enriched, Order } from '../../examples/orders-with-customers.ts';
import { statePartitionOf } from '../../src/task/index.ts';
import { killIfRunning, type RunningCli, startCli, waitForLog } from '../support/cli.ts';
import { readJsonLines } from '../support/files.ts';
import { sharedClients, testBrokers, uniqueName } from '../support/kafka.ts';
import { readPast } from '../support/logs.ts';
import { random } from '../support/random.ts';
import { tempDirs } from '../support/temp-dirs.ts';

// examples/orders-with-customers.ts (a stream–table left join) in real `sluice run` processes over
// two 4-partition topics: the table is updated and deleted from while the stream runs, and a
// restart without checkpoints reads the table again from its start, whatever the group committed.

const kafka = sharedClients('table-join-test');
const tempDir = tempDirs('sluice-table-join');

const PARTITIONS = 4;
const CUSTOMERS = Array.from({ length: 20 }, (_, i) => `c${i}`);

const profile = (id: string, version: number): Customer => ({
  id,
  name: `${id} v${version}`,
  tier: `t${version}`,
});

/** The table's topic: keyed records in the partition Kafka's default partitioner picks. */
async function writeCustomers(topic: string, entries: readonly (readonly [string, Customer | null])[]) {
  await kafka.producer.send({
    topic,
    acks: -1,
    messages: entries.map(([id, customer]) => ({
      key: id,
      value: customer === null ? null : JSON.stringify(customer),
      partition: statePartitionOf(id, PARTITIONS),
    })),
  });
}

function orders(seed: number, from: number, count: number): Order[] {
  const next = random(seed);
  return Array.from({ length: count }, (_, i) => ({
    id: `o${from + i}`,
    // One in ten of a customer the table never had.
    customer: next() < 0.1 ? 'c99' : (CUSTOMERS[Math.floor(next() * CUSTOMERS.length)] as string),
    amount: 1 + Math.floor(next() * 100),
  }));
}

async function writeOrders(topic: string, list: readonly Order[]): Promise<void> {
  await kafka.producer.send({
    topic,
    acks: -1,
    messages: list.map((order, i) => ({ value: JSON.stringify(order), partition: i % PARTITIONS })),
  });
}

/** What the job must write for `list` with the table as `table` holds it. */
function joined(list: readonly Order[], table: ReadonlyMap<string, Customer>): Enriched[] {
  return list.map((order) => ({
    order: order.id,
    amount: order.amount,
    customer: table.get(order.customer) ?? null,
  }));
}

const byOrder = (rows: readonly Enriched[]): Enriched[] =>
  [...rows].sort((a, b) => Number(a.order.slice(1)) - Number(b.order.slice(1)));

/** Waits until the process has read every partition of `topic` up to its end now. */
async function readAll(cli: RunningCli, topic: string): Promise<void> {
  const ends = await kafka.admin.fetchTopicOffsets(topic);
  const past = ends
    .sort((a, b) => a.partition - b.partition)
    .map(({ high }) => (BigInt(high) > 0n ? BigInt(high) - 1n : -2n));
  await waitForLog(cli, `every partition of ${topic} read`, readPast(topic, past.map(String)));
}

describe('a stream–table join (examples/orders-with-customers.ts) on two 4-partition topics', () => {
  it('updates and deletes while the stream runs; a restart without checkpoints reads the table from its start', async () => {
    const names = { customers: uniqueName('customers'), orders: uniqueName('orders') };
    await kafka.admin.createTopics({
      topics: Object.values(names).map((topic) => ({ topic, numPartitions: PARTITIONS })),
      waitForLeaders: true,
    });
    const group = uniqueName('orders-with-customers');
    const env = (sink: string) => ({
      SLUICE_BROKERS: testBrokers().join(','),
      SLUICE_JOB: 'examples/orders-with-customers.ts',
      CUSTOMERS_TOPIC: names.customers,
      ORDERS_TOPIC: names.orders,
      ORDERS_WITH_CUSTOMERS_DIR: sink,
      SLUICE_GROUP_ID: group,
      SLUICE_TRIGGER: 'micro-batch',
      SLUICE_BATCH_INTERVAL_MS: '50',
      SLUICE_WORKERS: '2',
      SLUICE_LOG_LEVEL: 'debug',
    });
    const table = new Map(CUSTOMERS.map((id) => [id, profile(id, 1)]));
    await writeCustomers(names.customers, [...table]);

    const first = tempDir();
    const cli = startCli(['run'], env(first));
    onTestFailed(() => killIfRunning(cli));
    await readAll(cli, names.customers);
    // Phase 1: every customer at version 1.
    const phase1 = orders(1, 0, 60);
    await writeOrders(names.orders, phase1);
    await readAll(cli, names.orders);
    // Phase 2: five customers updated, five deleted, while the job runs.
    const changes: [string, Customer | null][] = [
      ...CUSTOMERS.slice(0, 5).map((id): [string, Customer] => [id, profile(id, 2)]),
      ...CUSTOMERS.slice(5, 10).map((id): [string, null] => [id, null]),
    ];
    await writeCustomers(names.customers, changes);
    await readAll(cli, names.customers);
    const before = new Map(table);
    for (const [id, customer] of changes) {
      if (customer) table.set(id, customer);
      else table.delete(id);
    }
    const phase2 = orders(2, 60, 60);
    await writeOrders(names.orders, phase2);
    await readAll(cli, names.orders);
    cli.child.kill('SIGTERM');
    expect((await cli.done).code).toBe(0);

    const rows = byOrder(readJsonLines<Enriched>(first));
    expect(rows).toEqual([...joined(phase1, before), ...joined(phase2, table)]);
    // The data exercised every case: updated, deleted, unchanged and never known customers.
    const customerOf = (row: Enriched) => phase2.find((order) => order.id === row.order)?.customer;
    const second = rows.slice(phase1.length);
    expect(second.filter((row) => row.customer?.tier === 't2').length).toBeGreaterThan(0);
    expect(second.filter((row) => row.customer === null && customerOf(row) !== 'c99').length).toBeGreaterThan(
      0,
    );
    expect(second.filter((row) => row.customer?.tier === 't1').length).toBeGreaterThan(0);
    expect(second.filter((row) => customerOf(row) === 'c99').length).toBeGreaterThan(0);

    // A new process of the group: no checkpoints, offsets committed past the table's records. The
    // table comes back from its topic (its start), so the new orders meet the latest profiles.
    const restarted = tempDir();
    const again = startCli(['run'], env(restarted));
    onTestFailed(() => killIfRunning(again));
    await readAll(again, names.customers);
    const phase3 = orders(3, 120, 60);
    await writeOrders(names.orders, phase3);
    await readAll(again, names.orders);
    again.child.kill('SIGTERM');
    expect((await again.done).code).toBe(0);
    expect(byOrder(readJsonLines<Enriched>(restarted))).toEqual(joined(phase3, table));
  }, 120_000);
});
