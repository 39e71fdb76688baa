import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Changelog } from '../../src/checkpoint/checkpointer.ts';
import { BatchLog, Checkpointer, CheckpointStore } from '../../src/checkpoint/index.ts';
import { selectCodecs } from '../../src/codecs/index.ts';
import {
  type Assignment,
  type BatchSource,
  Engine,
  LocalKeyedState,
  pollForData,
  type Replay,
  WindowMerger,
} from '../../src/coordinator/index.ts';
import { type BatchInfo, type OffsetRange, silentLogger, toOffset } from '../../src/core/index.ts';
import { buildGraph, defineJob, Plan } from '../../src/dsl/index.ts';
import { Outputs } from '../../src/sinks/index.ts';
import { generatedWork } from '../../src/sources/index.ts';
import {
  encodeStore,
  type RecordInput,
  runPartition,
  type SlotTask,
  StatePartitions,
} from '../../src/task/index.ts';
import { WatermarkTracker } from '../../src/window/index.ts';
import { tempDirs } from '../support/temp-dirs.ts';

// The engine with checkpoints, the batch log and the changelog over keyed state: a run that
// crashes and restarts emits, batch id by batch id, what a run without the crash emits.

const lz4 = selectCodecs('off').lz4;
const tempDir = tempDirs('sluice-engine-state');
const PARTITIONS = 3;
const KEYS = ['a', 'b', 'c', 'd', 'f', 'g', 'h'];
const INTERVAL_MS = 1_000;

/** Per batch, how many records each partition brings. */
const SCRIPT = [
  [3, 2, 0],
  [1, 0, 4],
  [0, 0, 0],
  [2, 3, 1],
  [0, 1, 0],
  [0, 0, 0],
  [0, 0, 0],
  [4, 0, 2],
  [0, 0, 0],
  [0, 0, 0],
];

/** The record at (partition, offset): keys of every state partition from every input partition. */
const valueAt = (partition: number, offset: number) => ({
  k: KEYS[(partition * 5 + offset * 3) % KEYS.length] as string,
  v: offset + 1,
});

const job = defineJob((ctx) => {
  const pairs = ctx.stream<{ k: string; v: number }>().map((r): [string, number] => [r.value.k, r.value.v]);
  pairs.updateStateByKey<number>((values, sum) => (sum ?? 0) + values.reduce((a, b) => a + b, 0)).print();
  const counts = pairs.mapWithState<number, string>({
    fn: (key, _value, state) => {
      if (state.isTimingOut()) return `${key} timed out`;
      state.update((state.getOption() ?? 0) + 1);
      return `${key}=${state.get()}`;
    },
    timeoutMs: 2_500,
    initialState: [['h', 100]],
  });
  counts.print();
  counts.stateSnapshots().print();
});

const plan = new Plan(buildGraph(job, {}));

/** Where batch `index` starts in `partition`. */
const startOf = (index: number, partition: number): number =>
  SCRIPT.slice(0, index).reduce((sum, counts) => sum + (counts[partition] ?? 0), 0);

/**
 * The script from batch `first` on; `crashAt`: next() throws there. The clock is each batch's
 * time (1000 × (index + 1)) so that timeouts see the same batch times in every run.
 */
function scriptedSource(
  first: number,
  clock: { now: number },
  crashAt?: number,
): BatchSource & Assignment & Replay {
  let cursor = first;
  clock.now = INTERVAL_MS * (cursor + 1);
  return {
    name: 'scripted',
    async next() {
      if (cursor === crashAt) throw new Error('crash');
      const counts = SCRIPT[cursor];
      if (!counts) return 'end';
      const batch = counts.flatMap((count, partition) => {
        const from = startOf(cursor, partition);
        if (count === 0) return [];
        const range: OffsetRange = {
          topic: 't',
          partition,
          fromOffset: toOffset(BigInt(from)),
          untilOffset: toOffset(BigInt(from + count)),
        };
        return [generatedWork(range)];
      });
      cursor++;
      clock.now = INTERVAL_MS * (cursor + 1);
      return batch;
    },
    async replay(ranges) {
      return ranges.map(generatedWork);
    },
    async ready() {},
    position: (_topic, partition) => toOffset(BigInt(startOf(cursor, partition))),
    owned: () => Array.from({ length: PARTITIONS }, (_, partition) => ({ topic: 't', partition })),
    onRevoking() {},
    async commit() {},
    waitForData: pollForData,
    interrupt() {},
    async close() {},
  };
}

const slots = {
  async run(topic: string, partition: number, task: SlotTask) {
    if (task.type !== 'generate') throw new Error(`unexpected ${task.type} task`);
    const { fromOffset, count, info } = task;
    const input: RecordInput = {
      topic,
      partition,
      count,
      offset: (i) => toOffset(BigInt(fromOffset + i)),
      raw: () => ({ key: null, value: null }),
      record: (i) => ({
        topic,
        partition,
        offset: toOffset(BigInt(fromOffset + i)),
        timestamp: 0,
        key: null,
        value: valueAt(partition, fromOffset + i),
      }),
    };
    return runPartition(plan, input, info as BatchInfo, 'fail');
  },
};

function memoryChangelog(): Changelog {
  const records = new Map<string, Uint8Array>();
  return {
    topic: 'g-checkpoints',
    async write(key, bytes) {
      records.set(key, bytes);
    },
    async latest() {
      return new Map([...records].map(([key, last]) => [key, { last }]));
    },
  };
}

type Emitted = Map<number, { time: number; outputs: unknown[][] }>;

/** One run of the engine on the folder `dir`: restore every partition, replay, go on. */
async function runOnce(dir: string, changelog: Changelog, emitted: Emitted, first: number, crashAt?: number) {
  const clock = { now: 0 };
  const source = scriptedSource(first, clock, crashAt);
  const keyed = new LocalKeyedState(new StatePartitions({ topic: 't', partitions: PARTITIONS }));
  const checkpointer = new Checkpointer({
    store: new CheckpointStore(dir, lz4),
    batches: new BatchLog(dir),
    changelog,
    signature: buildGraph(job, {}).signature(),
    intervalMs: 2 * INTERVAL_MS,
    slots: { snapshot: async () => encodeStore(new Map()), restore: async () => {} },
    watermark: new WatermarkTracker(plan.watermarks, Number.POSITIVE_INFINITY),
    windows: new WindowMerger(),
    keyed,
    log: silentLogger,
    now: () => clock.now,
  });
  const restored = await checkpointer.restoreAll(
    Array.from({ length: PARTITIONS }, (_, partition) => ({ topic: 't', partition, committed: undefined })),
  );
  const outputs = new Outputs({ retry: { timeoutMs: 0 }, log: silentLogger, write: () => {} });
  const pending: unknown[][] = [];
  const original = outputs.write.bind(outputs);
  outputs.write = async (batches, info) => {
    pending.push(...batches.map((batch) => [...batch.values]));
    emitted.set(info.batchId, { time: info.time, outputs: pending.splice(0) });
    return original([], info);
  };
  const engine = new Engine({
    plan,
    slots,
    source,
    assignment: source,
    replay: source,
    outputs,
    trigger: 'continuous',
    intervalMs: INTERVAL_MS,
    commitIntervalMs: 0,
    log: silentLogger,
    keyed,
    checkpoints: checkpointer,
    now: () => clock.now,
  });
  const done = await engine.run().then(
    () => 'ended',
    (error: Error) => error.message,
  );
  return { restored, done };
}

describe('keyed state with checkpoints and the batch log', () => {
  it('a crash and restart emit batch by batch what a run without the crash emits', async () => {
    const clean: Emitted = new Map();
    expect((await runOnce(tempDir(), memoryChangelog(), clean, 0)).done).toBe('ended');
    expect([...clean.keys()]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // Timeouts fired, and the initial state is in the first snapshot.
    // Keys run per state partition, partitions in order.
    expect(clean.get(0)?.outputs[1]).toEqual(['g=1', 'a=1', 'h=101', 'd=1', 'b=1']);
    expect(clean.get(4)?.outputs[1]).toEqual(['h=103', 'c timed out']);
    expect(clean.get(6)?.outputs[1]).toEqual([
      'g timed out',
      'f timed out',
      'a timed out',
      'b timed out',
      'd timed out',
    ]);
    expect(clean.get(6)?.outputs[2]).toEqual([['h', 103]]);

    for (const crashAt of [3, 4, 6, 7, 9]) {
      const dir = tempDir();
      const changelog = memoryChangelog();
      const crashed: Emitted = new Map();
      expect((await runOnce(dir, changelog, crashed, 0, crashAt)).done).toBe('crash');
      // Saves after batches 1, 3, 5, …: the log holds the batches after the last one.
      const again: Emitted = new Map();
      const second = await runOnce(dir, changelog, again, crashAt);
      expect(second.done).toBe('ended');
      const saved = 2 * Math.floor(crashAt / 2);
      expect(second.restored).toEqual([0, 1, 2].map((partition) => BigInt(startOf(saved, partition))));
      expect([...again.keys()]).toEqual(Array.from({ length: 10 - saved }, (_, i) => saved + i));
      for (const [batchId, batch] of again) expect(batch).toEqual(clean.get(batchId));
    }
  });

  it('without the local files, the changelog restores the keyed state', async () => {
    const clean: Emitted = new Map();
    await runOnce(tempDir(), memoryChangelog(), clean, 0);
    const dir = tempDir();
    const changelog = memoryChangelog();
    await runOnce(dir, changelog, new Map(), 0, 5);
    for (let partition = 0; partition < PARTITIONS; partition++) {
      rmSync(join(dir, `t-${partition}.ckpt`));
      rmSync(join(dir, `t-${partition}.ckpt.prev`), { force: true });
    }
    const again: Emitted = new Map();
    const second = await runOnce(dir, changelog, again, 5);
    expect(second.restored).toEqual([0, 1, 2].map((partition) => BigInt(startOf(4, partition))));
    expect([...again.keys()]).toEqual([4, 5, 6, 7, 8, 9]);
    for (const [batchId, batch] of again) expect(batch).toEqual(clean.get(batchId));
  });
});
