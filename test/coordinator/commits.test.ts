import { describe, expect, it } from 'vitest';
import { Commits } from '../../src/coordinator/commits.ts';
import type { Trigger } from '../../src/coordinator/engine.ts';
import { LocalKeyedState, WindowMerger } from '../../src/coordinator/index.ts';
import { Ownership } from '../../src/coordinator/ownership.ts';
import type { CheckpointPort, TransactionPort } from '../../src/coordinator/ports.ts';
import { RepartitionIngress } from '../../src/coordinator/repartition-ingress.ts';
import type { Assignment } from '../../src/coordinator/source.ts';
import type { BatchInfo, OffsetRange } from '../../src/core/index.ts';
import { toOffset } from '../../src/core/index.ts';
import { buildGraph, defineJob, Plan } from '../../src/dsl/index.ts';
import { StatePartitions } from '../../src/task/index.ts';

const plan = new Plan(
  buildGraph(
    defineJob((ctx) => ctx.stream().print()),
    {},
  ),
);

const batch = (batchId: number, ...ranges: [number, number, number][]): BatchInfo => ({
  batchId,
  time: 0,
  intervalMs: 1_000,
  offsetRanges: ranges.map(([partition, from, until]) => ({
    topic: 't',
    partition,
    fromOffset: toOffset(from),
    untilOffset: toOffset(until),
  })),
});

function commits(
  options: {
    trigger?: Trigger;
    checkpoints?: CheckpointPort;
    transactions?: TransactionPort;
    assignment?: Assignment;
    keyed?: LocalKeyedState;
  } = {},
) {
  const clock = { now: 0 };
  const events: string[] = [];
  const show = (ranges: readonly OffsetRange[]) =>
    ranges.map((r) => `${r.partition}:${r.fromOffset}-${r.untilOffset}`).join(' ');
  const ownership = new Ownership({
    assignment: options.assignment,
    ingress: new RepartitionIngress(plan),
    watermark: undefined,
    windows: new WindowMerger(),
    keyed: options.keyed,
    exchange: undefined,
  });
  const ledger = new Commits({
    source: { commit: async (ranges) => void events.push(`commit ${show(ranges)}`) },
    checkpoints: options.checkpoints,
    transactions: options.transactions,
    ownership,
    trigger: options.trigger ?? 'available-now',
    commitIntervalMs: 250,
    now: () => clock.now,
  });
  ledger.start(0);
  return { ledger, events, clock };
}

describe('Commits', () => {
  it('commits each batch at once, except a continuous run, which commits on its interval', async () => {
    const now = commits();
    await now.ledger.written(batch(0, [0, 0, 2]));
    expect(now.events).toEqual(['commit 0:0-2']);
    expect(now.ledger.dueIn()).toBe(Number.POSITIVE_INFINITY);

    const { ledger, events, clock } = commits({ trigger: 'continuous' });
    clock.now = 100;
    await ledger.written(batch(0, [0, 0, 2]));
    expect(ledger.dueIn()).toBe(150);
    clock.now = 200;
    await ledger.written(batch(1, [0, 2, 3], [1, 0, 1]));
    expect(events).toEqual([]);
    await ledger.idleUpkeep();
    expect(events).toEqual([]);
    clock.now = 250;
    await ledger.idleUpkeep();
    expect(events).toEqual(['commit 0:0-2 0:2-3 1:0-1']);
    expect(ledger.dueIn()).toBe(Number.POSITIVE_INFINITY);
  });

  it('in a transaction, commits its offsets there without checkpoints, and not at all with them', async () => {
    const transactions: string[] = [];
    const transaction: TransactionPort = {
      own: () => {},
      commit: async (offsets) =>
        void transactions.push(offsets.map((o) => `${o.partition}@${o.offset}`).join(' ')),
    };
    const plain = commits({ transactions: transaction });
    await plain.ledger.written(batch(0, [0, 0, 2], [1, 0, 1]));
    await plain.ledger.finish();
    expect(transactions).toEqual(['0@2 1@1']);
    expect(plain.events).toEqual([]);

    const saves: string[] = [];
    const checkpointed = commits({
      transactions: transaction,
      checkpoints: { due: () => false, save: async (positions) => void saves.push(`${positions.length}`) },
    });
    await checkpointed.ledger.written(batch(0, [0, 0, 2]));
    await checkpointed.ledger.finish();
    expect(transactions).toEqual(['0@2 1@1']);
    expect(saves).toEqual(['1']);
    expect(checkpointed.events).toEqual([]);
  });

  it("checkpoints the owned partitions' positions, held state partitions at their position, then commits", async () => {
    const saves: unknown[] = [];
    const keyed = new LocalKeyedState(new StatePartitions({ topic: 't', partitions: 3 }));
    let owned = [0, 1, 2];
    const { ledger, events } = commits({
      keyed,
      assignment: {
        ready: async () => {},
        owned: () => owned.map((partition) => ({ topic: 't', partition })),
        position: (_topic, partition) => (partition === 2 ? toOffset(7n) : undefined),
        onRevoking: () => {},
      },
      checkpoints: {
        due: () => true,
        save: async (positions, ids, batchId) =>
          void saves.push({
            positions: positions.map((p) => `${p.partition}@${p.offset}`),
            owned: ids && [...ids],
            batchId,
          }),
      },
    });
    ledger.restored(4);
    await ledger.written(batch(4, [0, 0, 3]));
    expect(events).toEqual([]);
    await ledger.checkpointIfDue();
    expect(events).toEqual(['commit 0:0-3']);
    owned = [1, 2];
    await ledger.handOver();
    expect(saves).toEqual([
      { positions: ['0@3', '2@7'], owned: ['t\u00000', 't\u00001', 't\u00002'], batchId: 4 },
      { positions: ['2@7'], owned: ['t\u00001', 't\u00002'], batchId: 4 },
    ]);
    expect(events).toEqual(['commit 0:0-3']);
  });

  it('without checkpoints, a hand-over commits what waits, and a checkpoint is nothing', async () => {
    const { ledger, events } = commits({ trigger: 'continuous' });
    await ledger.written(batch(0, [0, 0, 1]));
    await ledger.handOver();
    expect(events).toEqual(['commit 0:0-1']);
    await ledger.checkpoint();
    expect(events).toEqual(['commit 0:0-1']);
  });
});
