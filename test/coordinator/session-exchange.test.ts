import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeWindowMessage,
  type ExchangeSnapshot,
  encodeWindowMessage,
  WindowExchange,
  type WindowIncoming,
  type WindowMessage,
} from '../../src/coordinator/index.ts';
import { buildGraph, type Job, Plan } from '../../src/dsl/index.ts';
import { packState, statePartitionOf, unpackState } from '../../src/task/index.ts';
import { Aggregations, type EmitMode, type SessionResult, Windows } from '../../src/window/index.ts';
import {
  batchAt,
  byLetterJob,
  type Event,
  Instance,
  ownerAndOther,
  PARTITIONS,
  TOPIC,
  Topic,
} from '../support/exchange-instances.ts';

// Session windows across instances, in memory: each instance runs its partitions' slots and merges
// through its WindowExchange; session messages cross a simulated repartition topic as bytes.

const STEP = 10;

/** Per window key (the event key's first letter), the sum of its values per session. */
const sessionSums = (gapMs: number, emit: EmitMode = 'final'): Job =>
  byLetterJob((pairs) => pairs.windowAggregate(Windows.session(gapMs), Aggregations.sum(), { emit }));

type Row = {
  readonly key: string;
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly value: number;
};

/** Every session of every key from the events alone: sorted by time, cut where neighbours are gap apart. */
function oracle(events: readonly Event[], gapMs: number): Row[] {
  const byKey = new Map<string, Event[]>();
  for (const event of events) {
    const key = event.key.slice(0, 1);
    byKey.set(key, [...(byKey.get(key) ?? []), event]);
  }
  const rows: Row[] = [];
  for (const [key, list] of byKey) {
    const sorted = [...list].sort((a, b) => a.time - b.time);
    let first = sorted[0] as Event;
    let last = first;
    let value = 0;
    for (const event of sorted) {
      if (event.time - last.time >= gapMs) {
        rows.push({ key, windowStart: first.time, windowEnd: last.time + gapMs, value });
        first = event;
        value = 0;
      }
      last = event;
      value += event.value;
    }
    rows.push({ key, windowStart: first.time, windowEnd: last.time + gapMs, value });
  }
  return sorted(rows);
}

const sorted = (rows: readonly Row[]): Row[] =>
  [...rows].sort(
    (a, b) => a.key.localeCompare(b.key) || a.windowStart - b.windowStart || a.windowEnd - b.windowEnd,
  );

/** Batch n's events lie in [n·STEP, (n+1)·STEP): none is late, in any instance, whatever it owns. */
const scenario = fc.record({
  gapMs: fc.integer({ min: 1, max: 3 * STEP }),
  owned: fc.subarray([0, 1, 2, 3], { minLength: 1, maxLength: 3 }),
  batches: fc.array(
    fc.array(
      fc.record({
        key: fc.constantFrom('a1', 'a2', 'b1', 'c7', 'd3'),
        offset: fc.integer({ min: 0, max: STEP - 1 }),
        value: fc.integer({ min: 1, max: 9 }),
        partition: fc.nat({ max: PARTITIONS - 1 }),
      }),
      { maxLength: 6 },
    ),
    { minLength: 1, maxLength: 8 },
  ),
  bFirst: fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
});

type Drawn = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

async function run(drawn: Drawn, emit: EmitMode) {
  const plan = new Plan(buildGraph(sessionSums(drawn.gapMs, emit), {}));
  const topic = new Topic();
  const a = new Instance(plan, topic, drawn.owned);
  const b = new Instance(
    plan,
    topic,
    [0, 1, 2, 3].filter((partition) => !drawn.owned.includes(partition)),
  );
  const batches = drawn.batches.map((list, n) =>
    list.map((event): Event => ({ ...event, time: n * STEP + event.offset })),
  );
  // Then batches at the end of input, until both have seen each other's last progress.
  const all = [...batches, [], [], []];
  for (const [n, list] of all.entries()) {
    const end = n >= batches.length;
    const order = drawn.bFirst[n] ? [b, a] : [a, b];
    for (const instance of order) await instance.batch(n, list, end);
  }
  return { a, b, events: batches.flat() };
}

describe('WindowExchange: session windows across instances', () => {
  it('final mode: every session once, from the owner of its key, merged over both instances', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (drawn) => {
        const { a, b, events } = await run(drawn, 'final');
        const rows = [...a.out, ...b.out] as Row[];
        expect(sorted(rows)).toEqual(oracle(events, drawn.gapMs));
        for (const row of a.out as Row[])
          expect(drawn.owned).toContain(statePartitionOf(row.key, PARTITIONS));
        for (const row of b.out as Row[])
          expect(drawn.owned).not.toContain(statePartitionOf(row.key, PARTITIONS));
        expect(a.exchange.openEntries() + b.exchange.openEntries()).toBe(0);
      }),
      { numRuns: 200 },
    );
  });

  it('update mode: the rows, retractions applied, leave the oracle sessions', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (drawn) => {
        const { a, b, events } = await run(drawn, 'update');
        const latest = new Map<string, Row>();
        for (const row of [...a.out, ...b.out] as SessionResult<string, number>[]) {
          const id = `${row.key}@${row.windowStart}/${row.windowEnd}`;
          if ('retracted' in row) {
            expect(latest.has(id)).toBe(true);
            latest.delete(id);
          } else latest.set(id, row);
        }
        expect(sorted([...latest.values()])).toEqual(oracle(events, drawn.gapMs));
        expect(a.exchange.openEntries() + b.exchange.openEntries()).toBe(0);
      }),
      { numRuns: 200 },
    );
  });

  it('one instance owning every partition emits what the in-instance merge (no brokers) emits, batch by batch', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, fc.constantFrom<EmitMode>('final', 'update'), async (drawn, emit) => {
        const plan = new Plan(buildGraph(sessionSums(drawn.gapMs, emit), {}));
        const exchanged = new Instance(plan, new Topic(), [0, 1, 2, 3]);
        const merged = Instance.alone(new Plan(buildGraph(sessionSums(drawn.gapMs, emit), {})));
        const batches = drawn.batches.map((list, n) =>
          list.map((event): Event => ({ ...event, time: n * STEP + event.offset })),
        );
        for (const [n, list] of [...batches, []].entries()) {
          const end = n === batches.length;
          expect(await exchanged.batch(n, list, end)).toEqual(await merged.batch(n, list, end));
        }
        expect(merged.out).toHaveLength(exchanged.out.length);
      }),
      { numRuns: 100 },
    );
  });

  it('a session bridged by a record of another instance waits for it, and is emitted once merged', async () => {
    const plan = new Plan(buildGraph(sessionSums(10), {}));
    const { q, owner, other } = ownerAndOther(plan, 'a');
    const theirs = (q + 1) % PARTITIONS;
    await owner.batch(0, [
      { key: 'a', time: 0, value: 1, partition: q },
      { key: 'a', time: 18, value: 2, partition: q },
    ]);
    // The owner's own watermark is 18: [0, 10) would close, but the other instance has not fired.
    expect(await owner.batch(1, [{ key: 'z', time: 40, value: 0, partition: q }])).toEqual([]);
    await other.batch(0, [{ key: 'a', time: 9, value: 4, partition: theirs }]);
    await other.batch(
      1,
      [0, 1, 2, 3].map((partition) => ({ key: 'z', time: 40, value: 0, partition })),
    );
    await other.batch(2, []);
    // 0, 9 and 18 are each less than 10 apart: one session [0, 28).
    expect(await owner.batch(2, [])).toEqual([{ key: 'a', windowStart: 0, windowEnd: 28, value: 7 }]);
  });
});

describe('session messages and checkpoints', () => {
  const plan = new Plan(buildGraph(sessionSums(10, 'update'), {}));
  const node = plan.windowAggregates[0];
  if (!node) throw new Error('no window node');
  const q = statePartitionOf('a', 2);
  const sessions = (through: number, parts: [number, number, number, boolean][]): WindowIncoming => ({
    partition: q,
    message: { type: 'sessions', topic: TOPIC, partition: 1 - q, through, keys: [['a', parts]] },
  });
  const progress = (through: number): WindowIncoming => ({
    partition: q,
    message: { type: 'progress', through: [[1 - q, through]] },
  });
  const exchange = (): WindowExchange => {
    const made = new WindowExchange({ topic: TOPIC, partitions: 2 });
    made.own([{ topic: TOPIC, partition: q }]);
    return made;
  };
  const merge = (target: WindowExchange, batchId: number, watermark: number, incoming: WindowIncoming[]) =>
    target.merge(node, [], batchAt(batchId, watermark), true, incoming, []).values;

  it('round-trips a sessions message through its bytes, and names what a bad one lacks', () => {
    const message: WindowMessage = {
      type: 'sessions',
      topic: TOPIC,
      partition: 3,
      through: -1.5e15,
      keys: [
        ['__proto__', [[1, 5, [2, 1], true]]],
        [{ u: 1 }, []],
      ],
    };
    expect(decodeWindowMessage(encodeWindowMessage(message), 'here')).toEqual(message);
    const bad = packState([2, TOPIC, 3, 0, [['a', [[1, 5, 2]]]]]);
    expect(() => decodeWindowMessage(bad, 'rep-0 (+4)')).toThrow(
      expect.objectContaining({
        code: 'SLUICE_REPARTITION',
        message:
          'rep-0 (+4): a window record is neither [0, topic, partition, start, end, pairs], [1, progress] nor [2, topic, partition, through, sessions]',
      }),
    );
  });

  it('a resent message replaces what its source sent: a replay counts nothing twice', () => {
    const target = exchange();
    expect(merge(target, 0, 0, [sessions(0, [[1, 3, 5, true]])])).toEqual([
      { key: 'a', windowStart: 1, windowEnd: 13, value: 5 },
    ]);
    expect(merge(target, 1, 0, [sessions(0, [[1, 3, 5, true]])])).toEqual([
      { key: 'a', windowStart: 1, windowEnd: 13, value: 5 },
    ]);
    // The source's session grew: the old bounds are retracted.
    expect(merge(target, 2, 0, [sessions(0, [[1, 8, 7, true]])])).toEqual([
      { key: 'a', windowStart: 1, windowEnd: 13, value: null, retracted: true },
      { key: 'a', windowStart: 1, windowEnd: 18, value: 7 },
    ]);
  });

  it('a checkpoint restores the sessions waiting and what was emitted; a replay of a closed session is dropped', () => {
    const target = exchange();
    merge(target, 0, 0, [sessions(0, [[1, 3, 5, true]]), progress(0)]);
    const id = `${TOPIC}\u0000${q}`;
    const snapshot = unpackState(packState(target.snapshot(id))) as ExchangeSnapshot;
    const restored = exchange();
    restored.restore(id, snapshot);
    expect(restored.openEntries()).toBe(1);
    // Extended after the restore: the emitted bounds are known, so they are retracted.
    expect(merge(restored, 1, 0, [sessions(0, [[1, 6, 6, true]])])).toEqual([
      { key: 'a', windowStart: 1, windowEnd: 13, value: null, retracted: true },
      { key: 'a', windowStart: 1, windowEnd: 16, value: 6 },
    ]);
    // Both sides fire through 20: closed, nothing more in update mode.
    expect(merge(restored, 2, 20, [progress(20)])).toEqual([]);
    expect(restored.openEntries()).toBe(0);
    // The source restored an older checkpoint and sends the session again: already closed here.
    expect(merge(restored, 3, 20, [sessions(0, [[1, 6, 6, true]]), progress(20)])).toEqual([]);
    expect(restored.openEntries()).toBe(0);
  });
});
