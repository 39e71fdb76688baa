import { describe, expect, it } from 'vitest';
import {
  type ExchangeSnapshot,
  type Forward,
  WindowExchange,
  type WindowIncoming,
} from '../../src/coordinator/index.ts';
import type { BatchInfo } from '../../src/core/index.ts';
import { buildGraph, type Job, Plan } from '../../src/dsl/index.ts';
import { runPartition, statePartitionOf } from '../../src/task/index.ts';
import { Aggregations, type WindowResult, Windows } from '../../src/window/index.ts';
import {
  batchAt,
  byLetterJob,
  type Event,
  Instance,
  input,
  ownerAndOther,
  PARTITIONS,
  TOPIC,
  Topic,
} from '../support/exchange-instances.ts';

// Window aggregations across instances, in memory: each instance runs its partitions through the
// worker half and merges through a WindowExchange; window messages go through their bytes to a
// simulated repartition topic, read by the owner of their partition in its next batch.

const WINDOW_MS = 10;

const byLetter = (emit: 'final' | 'update' = 'final'): Job =>
  byLetterJob((pairs) => pairs.windowAggregate(Windows.tumbling(WINDOW_MS), Aggregations.sum(), { emit }));

/** Events over keys that live in every partition, keyed (by the window) across partitions. */
function events(batches: number): Event[][] {
  const keys = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
  return Array.from({ length: batches }, (_, batch) =>
    keys.flatMap((key, index) =>
      Array.from({ length: 3 }, (_, n) => ({
        key: `${key}${n}`,
        time: batch * 8 + index,
        value: batch * 100 + index,
      })),
    ),
  );
}

function oracle(all: readonly Event[][], keyOf: (event: Event) => string): Map<string, number> {
  const sums = new Map<string, number>();
  for (const event of all.flat()) {
    const start = Math.floor(event.time / WINDOW_MS) * WINDOW_MS;
    const id = `${keyOf(event)}@${start}`;
    sums.set(id, (sums.get(id) ?? 0) + event.value);
  }
  return sums;
}

describe('WindowExchange: window aggregations across instances', async () => {
  it.each([
    ['named by the slots', true],
    ['hashed by the exchange', false],
  ])(
    'two instances: each (window, key) once, complete, from the owner of its key (state partitions %s)',
    async (_, named) => {
      const plan = new Plan(buildGraph(byLetter(), {}));
      const topic = new Topic();
      const a = new Instance(plan, topic, [0, 2], named);
      const b = new Instance(plan, topic, [1, 3], named);
      const input = events(8);
      for (const [batch, list] of input.entries()) {
        await a.batch(batch, list);
        await b.batch(batch, list);
      }
      for (let batch = input.length; batch < input.length + 3; batch++) {
        await a.batch(batch, [], true);
        await b.batch(batch, [], true);
      }
      const expected = oracle(input, (event) => event.key.slice(0, 1));
      const rows = [...a.out, ...b.out] as WindowResult<string, number>[];
      const got = new Map(rows.map((row) => [`${row.key}@${row.windowStart}`, row.value]));
      const missing = [...expected.keys()].filter((id) => !got.has(id));
      expect(missing).toEqual([]);
      expect(rows).toHaveLength(expected.size);
      expect(got).toEqual(expected);
      for (const row of a.out as WindowResult<string, number>[])
        expect([0, 2]).toContain(statePartitionOf(row.key, PARTITIONS));
      for (const row of b.out as WindowResult<string, number>[])
        expect([1, 3]).toContain(statePartitionOf(row.key, PARTITIONS));
      expect(a.exchange.openEntries() + b.exchange.openEntries()).toBe(0);
    },
  );

  it("a slot names each fired pair's state partition when it knows their count", () => {
    const plan = new Plan(buildGraph(byLetter(), {}));
    const info = (batchId: number, watermark: number): BatchInfo => ({
      batchId,
      time: 1 + batchId,
      intervalMs: 1,
      offsetRanges: [],
      watermark,
    });
    /** Events in one batch, then a batch at the end of time that fires their windows. */
    const fire = (statePartitions?: number) => {
      const options = { store: new Map(), ...(statePartitions ? { statePartitions } : {}) };
      runPartition(plan, input(0, events(1)[0] ?? []), info(0, -1), 'fail', options);
      return runPartition(plan, input(0, []), info(1, Number.POSITIVE_INFINITY), 'fail', options).exports[0];
    };
    const item = fire(3);
    if (item?.kind !== 'windows') throw new Error('expected fired windows');
    const keys = item.windows.map((window) => window.pairs.map(([key]) => key));
    expect(keys.flat().sort()).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']);
    expect(item.partitions).toEqual(keys.map((list) => list.map((key) => statePartitionOf(key, 3))));
    expect(fire()).not.toHaveProperty('partitions');
  });

  it('routes each pair to the state partition its slot named, without hashing the key', () => {
    const plan = new Plan(buildGraph(byLetter(), {}));
    const node = plan.windowAggregates[0];
    if (!node) throw new Error('expected a window aggregation');
    const hashed = statePartitionOf('a', PARTITIONS);
    const named = (hashed + 1) % PARTITIONS;
    const elsewhere = (hashed + 2) % PARTITIONS;
    const exchange = new WindowExchange({ topic: TOPIC, partitions: PARTITIONS });
    exchange.own([{ topic: TOPIC, partition: elsewhere }]);
    const outgoing: Forward[] = [];
    const info: BatchInfo = { batchId: 0, time: 1, intervalMs: 1, offsetRanges: [], watermark: -1 };
    const windows = [{ start: 0, end: 10, pairs: [['a', 5] as [unknown, unknown]] }];
    const result = {
      topic: TOPIC,
      partition: elsewhere,
      records: 1,
      decodeErrors: 0,
      failures: [],
      exports: [{ node: node.id, kind: 'windows' as const, windows, partitions: [[named]] }],
    };
    exchange.merge(node, [result], info, true, [], outgoing);
    const partials = outgoing.filter(
      (forward) => 'message' in forward && forward.message.type === 'partials',
    );
    expect(partials.map((forward) => forward.partition)).toEqual([named]);
  });

  it('a window waits for the partitions of the other instance: emitted only once they fired through its end', async () => {
    const plan = new Plan(buildGraph(byLetter(), {}));
    const { owner: a, other: b } = ownerAndOther(plan, 'a');
    // Window key a, from every partition.
    const first = [0, 1, 2, 3].map((partition) => ({
      key: 'a',
      time: partition + 1,
      value: 5 ** partition,
      partition,
    }));
    const later = [0, 1, 2, 3].map((partition) => ({ key: 'z', time: 25, value: 0, partition }));
    await a.batch(0, first);
    await b.batch(0, first);
    // Every partition's watermark passes 10; a sees it, b has not run yet.
    expect(await a.batch(1, later)).toEqual([]);
    expect(await a.batch(2, [])).toEqual([]);
    await b.batch(1, later);
    await b.batch(2, []);
    const expected = first.reduce((sum, event) => sum + event.value, 0);
    expect(await a.batch(3, [])).toEqual([{ key: 'a', windowStart: 0, windowEnd: 10, value: expected }]);
    expect(await a.batch(4, [])).toEqual([]);
  });

  it('a replayed partial of a window already emitted is dropped, and a checkpoint restores what waits', async () => {
    const plan = new Plan(buildGraph(byLetter(), {}));
    const exchange = new WindowExchange({ topic: TOPIC, partitions: 2 });
    const q = statePartitionOf('a', 2);
    exchange.own([{ topic: TOPIC, partition: q }]);
    const node = plan.windowAggregates[0];
    if (!node) throw new Error('no window node');
    const partial = (topic: string, partition: number, value: number): WindowIncoming => ({
      partition: q,
      message: { type: 'partials', topic, partition, start: 0, end: 10, pairs: [['a', value]] },
    });
    const progress = (source: number, through: number): WindowIncoming => ({
      partition: q,
      message: { type: 'progress', through: [[source, through]] },
    });
    const merge = (target: WindowExchange, batchId: number, watermark: number, incoming: WindowIncoming[]) =>
      target.merge(node, [], batchAt(batchId, watermark), true, incoming, []).values;
    // The other partition's partial and progress through 20; this one's clock is at 5.
    expect(merge(exchange, 0, 5, [partial(TOPIC, 1 - q, 3), progress(1 - q, 20)])).toEqual([]);
    const id = `${TOPIC}\u0000${q}`;
    const snapshot = JSON.parse(JSON.stringify(exchange.snapshot(id))) as ExchangeSnapshot;
    const restored = new WindowExchange({ topic: TOPIC, partitions: 2 });
    restored.own([{ topic: TOPIC, partition: q }]);
    restored.restore(id, snapshot);
    expect(restored.openEntries()).toBe(1);
    expect(merge(restored, 1, 12, [])).toEqual([{ key: 'a', windowStart: 0, windowEnd: 10, value: 3 }]);
    // A replay of the other partition (its new owner restored an older checkpoint) sends it again.
    expect(merge(restored, 2, 12, [partial(TOPIC, 1 - q, 3), progress(1 - q, 20)])).toEqual([]);
    expect(restored.openEntries()).toBe(0);
  });

  it('update mode: each change of a (window, key) merged over both instances, closed once complete', async () => {
    const plan = new Plan(buildGraph(byLetter('update'), {}));
    const { q, owner, other } = ownerAndOther(plan, 'a');
    const mine = { key: 'a', partition: q };
    const theirs = { key: 'a', partition: (q + 1) % PARTITIONS };
    const row = (value: number) => ({ key: 'a', windowStart: 0, windowEnd: 10, value });
    expect(await owner.batch(0, [{ ...mine, time: 1, value: 4 }])).toEqual([row(4)]);
    expect(await other.batch(0, [{ ...theirs, time: 2, value: 6 }])).toEqual([]);
    // The other's update arrives: merged with the owner's latest.
    expect(await owner.batch(1, [])).toEqual([row(10)]);
    expect(await other.batch(1, [{ ...theirs, time: 3, value: 1 }])).toEqual([]);
    expect(await owner.batch(2, [{ ...mine, time: 4, value: 2 }])).toEqual([row(13)]);
    expect(owner.exchange.openEntries()).toBe(1);
    // Both sides pass 10: the window closes at the owner, and a late update of it is dropped.
    const past = [0, 1, 2, 3].map((partition) => ({ key: 'z', time: 30, value: 0, partition }));
    await other.batch(2, past);
    await other.batch(3, []);
    await owner.batch(3, past);
    await owner.batch(4, []);
    await owner.batch(5, []);
    expect(owner.exchange.openEntries()).toBe(0);
  });

  it('one instance owning every partition emits what the in-instance merge emits, in the same batches', async () => {
    const alone = new Instance(new Plan(buildGraph(byLetter(), {})), new Topic(), [0, 1, 2, 3]);
    const local = Instance.alone(new Plan(buildGraph(byLetter(), {})));
    for (const [batch, list] of events(6).entries()) {
      expect(await alone.batch(batch, list)).toEqual(await local.batch(batch, list));
    }
    expect(alone.out.length).toBeGreaterThan(0);
  });
});
