import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Changelog, CheckpointTransaction } from '../../src/checkpoint/checkpointer.ts';
import {
  Checkpointer,
  CheckpointStore,
  encodeCheckpoint,
  type PartitionCheckpoint,
} from '../../src/checkpoint/index.ts';
import { selectCodecs } from '../../src/codecs/index.ts';
import { LocalKeyedState, WindowMerger } from '../../src/coordinator/index.ts';
import type { PartitionPosition } from '../../src/core/index.ts';
import { encodePlain, toOffset } from '../../src/core/index.ts';
import { StatePartitions } from '../../src/task/index.ts';
import { WatermarkTracker } from '../../src/window/index.ts';
import { tempDirs } from '../support/temp-dirs.ts';

const lz4 = selectCodecs('off').lz4;
const tempDir = tempDirs('sluice-checkpointer');
const id = (partition: number): string => `t\u0000${partition}`;

type LogEntry = { level: 'warn' | 'info'; object: object; message: string };

/** A changelog topic in memory: what was written, and how often it was read. */
function fakeChangelog(records: Map<string, Uint8Array> = new Map()) {
  const writes: [string, number[]][] = [];
  let reads = 0;
  const changelog: Changelog = {
    topic: 'g-checkpoints',
    async write(key, bytes, via) {
      await via?.send({ topic: 'g-checkpoints', messages: [{ key, value: Buffer.from(bytes) }] });
      writes.push([key, [...bytes]]);
      records.set(key, bytes);
    },
    async latest() {
      reads++;
      return new Map([...records].map(([key, last]) => [key, { last }]));
    },
  };
  return { changelog, writes, records, reads: () => reads };
}

function setup(changelog?: Changelog, transaction?: CheckpointTransaction, keyed?: LocalKeyedState) {
  const store = new CheckpointStore(tempDir(), lz4);
  const calls: string[] = [];
  const restored: [string, number, number[]][] = [];
  const log: LogEntry[] = [];
  const watermark = new WatermarkTracker(new Map([[1, 0]]), Number.POSITIVE_INFINITY);
  const windows = new WindowMerger();
  const clock = { now: 1_000 };
  const checkpointer = new Checkpointer({
    store,
    ...(changelog ? { changelog } : {}),
    ...(transaction ? { transaction } : {}),
    ...(keyed ? { keyed } : {}),
    signature: 'sig',
    intervalMs: 100,
    slots: {
      async snapshot(topic, partition) {
        calls.push(`snapshot ${topic}-${partition}`);
        return { state: new Uint8Array([partition, 0xaa]), nodeBytes: [[4, partition + 1]] };
      },
      async restore(topic, partition, state) {
        calls.push(`restore ${topic}-${partition}`);
        restored.push([topic, partition, [...state]]);
      },
    },
    watermark,
    windows,
    log: {
      warn: (object, message) => void log.push({ level: 'warn', object, message }),
      info: (object, message) => void log.push({ level: 'info', object, message }),
    },
    now: () => clock.now,
  });
  return { store, calls, restored, log, watermark, windows, clock, checkpointer };
}

const written = (
  partition: number,
  offset: bigint,
  more: Partial<PartitionCheckpoint> = {},
): PartitionCheckpoint => ({
  topic: 't',
  partition,
  offset: toOffset(offset),
  signature: 'sig',
  slot: new Uint8Array([9, partition]),
  clock: { max: [[1, 5_000]] as [number, number][], lastActive: 10, watermark: 4_000 },
  updates: [[7, 6_000, 'k', 3]] as [number, number, unknown, unknown][],
  writtenAt: 500,
  ...more,
});

/** What the store holds for partition `partition` of `t`, the slot as plain bytes. */
async function readBack(store: CheckpointStore, partition: number) {
  const read = await store.read('t', partition);
  if (read.kind !== 'found') return read.kind;
  return { ...read.checkpoint, slot: [...read.checkpoint.slot] };
}

const position = (partition: number, offset: bigint): PartitionPosition => ({
  topic: 't',
  partition,
  offset: toOffset(offset),
});

describe('Checkpointer.restore', () => {
  it('restores a found checkpoint: slot bytes, watermark clock and update partials; reads on from its offset', async () => {
    const { store, calls, restored, log, watermark, windows, clock, checkpointer } = setup();
    await store.write(written(0, 42n));
    clock.now = 2_000;
    expect(await checkpointer.restore('t', 0, 40n)).toBe(42n);
    expect(calls).toEqual(['restore t-0']);
    expect(restored).toEqual([['t', 0, [9, 0]]]);
    // The idle clock starts at the restore; the engine watermark never goes below the saved one.
    expect(watermark.snapshot(id(0))).toEqual({ max: [[1, 5_000]], lastActive: 2_000, watermark: 4_000 });
    expect(watermark.current).toBe(4_000);
    expect(windows.snapshot(id(0))).toEqual([[7, 6_000, 'k', 3]]);
    expect(log).toEqual([
      {
        level: 'info',
        object: { topic: 't', partition: 0, path: store.path('t', 0), offset: '42' },
        message: 'state restored from checkpoint',
      },
    ]);
  });

  it('leaves the watermark alone for a checkpoint without a clock', async () => {
    const { store, watermark, checkpointer } = setup();
    await store.write(written(0, 42n, { clock: null }));
    expect(await checkpointer.restore('t', 0, 40n)).toBe(42n);
    expect(watermark.snapshot(id(0))).toBeUndefined();
    expect(watermark.current).toBe(Number.NEGATIVE_INFINITY);
  });

  it('restores the previous checkpoint when the current one is unusable, with a warning', async () => {
    const { store, restored, log, checkpointer } = setup();
    await store.write(written(0, 30n, { slot: new Uint8Array([1]) }));
    await store.write(written(0, 42n, { slot: new Uint8Array([2]) }));
    const path = store.path('t', 0);
    writeFileSync(path, 'torn');
    expect(await checkpointer.restore('t', 0, 42n)).toBe(30n);
    expect(restored).toEqual([['t', 0, [1]]]);
    expect(log).toEqual([
      {
        level: 'warn',
        object: {
          topic: 't',
          partition: 0,
          path,
          problems: [`checkpoint ${path} is not a Sluice checkpoint (no SLCK header)`],
        },
        message: 'checkpoint unusable; restored the previous one',
      },
      {
        level: 'info',
        object: { topic: 't', partition: 0, path, offset: '30' },
        message: 'state restored from checkpoint',
      },
    ]);
  });

  it('rebuilds from the log start when the checkpoint was written by another job', async () => {
    const { store, calls, log, windows, checkpointer } = setup();
    await store.write(written(0, 42n, { signature: 'other' }));
    expect(await checkpointer.restore('t', 0, 42n)).toBe(0n);
    expect(calls).toEqual([]);
    expect(windows.snapshot(id(0))).toEqual([]);
    expect(log).toEqual([
      {
        level: 'warn',
        object: {
          topic: 't',
          partition: 0,
          path: store.path('t', 0),
          committed: '42',
          problems: ['the checkpoint was written by a different job (its graph signature differs)'],
        },
        message: 'no usable checkpoint: rebuilding the partition state from the start of the log',
      },
    ]);
  });

  it('rebuilds from the log start when the group has committed an offset but there is no checkpoint', async () => {
    const { store, calls, log, checkpointer } = setup();
    expect(await checkpointer.restore('t', 0, 17n)).toBe(0n);
    expect(calls).toEqual([]);
    expect(log).toEqual([
      {
        level: 'warn',
        object: { topic: 't', partition: 0, path: store.path('t', 0), committed: '17', problems: [] },
        message:
          'no checkpoint for a partition the group has read: rebuilding its state from the start of the log',
      },
    ]);
  });

  it('starts as configured, silently, when there is neither a checkpoint nor a committed offset', async () => {
    const { calls, log, checkpointer } = setup();
    expect(await checkpointer.restore('t', 0, undefined)).toBeUndefined();
    expect(calls).toEqual([]);
    expect(log).toEqual([]);
  });

  it('rebuilds from the log start when both checkpoint files are unusable, listing the problems', async () => {
    const { store, calls, log, checkpointer } = setup();
    const path = store.path('t', 0);
    await store.write(written(0, 42n));
    writeFileSync(path, 'torn');
    writeFileSync(`${path}.prev`, 'torn too');
    expect(await checkpointer.restore('t', 0, undefined)).toBe(0n);
    expect(calls).toEqual([]);
    expect(log).toEqual([
      {
        level: 'warn',
        object: {
          topic: 't',
          partition: 0,
          path,
          committed: undefined,
          problems: [
            `checkpoint ${path} is not a Sluice checkpoint (no SLCK header)`,
            `checkpoint ${path}.prev is not a Sluice checkpoint (no SLCK header)`,
          ],
        },
        message: 'no usable checkpoint: rebuilding the partition state from the start of the log',
      },
    ]);
  });
});

describe('Checkpointer.save', () => {
  it("tells the dashboard each save: per partition its bytes, each window operation's and its state partition's", async () => {
    const keyed = new LocalKeyedState(new StatePartitions({ topic: 't', partitions: 2 }));
    const held: [number, [unknown, unknown, number][]][] = [
      [
        5,
        [
          ['k', { n: 1 }, 0],
          ['__proto__', 2, 0],
        ],
      ],
      [6, [['j', 'x'.repeat(300), 0]]],
    ];
    keyed.restore(id(0), held);
    const { store, clock, checkpointer } = setup(undefined, undefined, keyed);
    clock.now = 2_000;
    await checkpointer.save([position(0, 10n), position(1, 20n)], undefined, 4);
    const [save] = checkpointer.activity.json().saves;
    const files = [0, 1].map((partition) => readFileSync(`${store.dir}/t-${partition}.ckpt`).byteLength);
    expect(save).toEqual({
      time: 2_000,
      durationMs: 0,
      bytes: (files[0] ?? 0) + (files[1] ?? 0),
      batchId: 4,
      partitions: [
        {
          topic: 't',
          partition: 0,
          offset: '10',
          bytes: files[0],
          windowBytes: 2,
          windowNodes: [{ node: 4, bytes: 1 }],
          keyed: {
            statePartition: 0,
            bytes: encodePlain(held[0]).byteLength + encodePlain(held[1]).byteLength,
            nodes: [
              { node: 5, bytes: encodePlain(held[0]).byteLength },
              { node: 6, bytes: encodePlain(held[1]).byteLength },
            ],
          },
        },
        // State partition 1 is held but empty: nothing of it in the checkpoint.
        {
          topic: 't',
          partition: 1,
          offset: '20',
          bytes: files[1],
          windowBytes: 2,
          windowNodes: [{ node: 4, bytes: 2 }],
          keyed: { statePartition: 1, bytes: 0, nodes: [] },
        },
      ],
    });
    // The keyed state went into the checkpoint as it was.
    const read = await store.read('t', 0);
    expect(read.kind === 'found' && read.checkpoint.keyed).toEqual(held);
  });

  it('writes one checkpoint per position: slot snapshot, clock, update partials, signature and time', async () => {
    const { store, calls, watermark, windows, clock, checkpointer } = setup();
    watermark.observe(id(1), [[1, 8_000]], 900);
    watermark.advance(900);
    windows.restore(id(1), [[7, 9_000, 'a', 2]]);
    clock.now = 1_500;
    await checkpointer.save([position(0, 10n), position(1, 20n)]);
    expect(calls).toEqual(['snapshot t-0', 'snapshot t-1']);
    expect(readdirSync(store.dir).sort()).toEqual(['t-0.ckpt', 't-1.ckpt']);
    expect(await readBack(store, 0)).toEqual({
      topic: 't',
      partition: 0,
      offset: 10n,
      signature: 'sig',
      slot: [0, 0xaa],
      clock: null,
      updates: [],
      writtenAt: 1_500,
      partitions: [
        ['t', 0],
        ['t', 1],
      ],
    });
    expect(await readBack(store, 1)).toEqual({
      topic: 't',
      partition: 1,
      offset: 20n,
      signature: 'sig',
      slot: [1, 0xaa],
      clock: { max: [[1, 8_000]], lastActive: 900, watermark: 8_000 },
      updates: [[7, 9_000, 'a', 2]],
      writtenAt: 1_500,
      partitions: [
        ['t', 0],
        ['t', 1],
      ],
    });
  });

  it('is due once the interval has passed since it was made or last saved', async () => {
    const { clock, checkpointer } = setup();
    expect(checkpointer.intervalMs).toBe(100);
    clock.now = 1_099;
    expect(checkpointer.due()).toBe(false);
    clock.now = 1_100;
    expect(checkpointer.due()).toBe(true);
    await checkpointer.save([]);
    expect(checkpointer.due()).toBe(false);
    clock.now = 1_200;
    expect(checkpointer.due()).toBe(true);
  });

  it('also writes restored partitions that no batch has moved, at their restored offset', async () => {
    const { store, calls, clock, checkpointer } = setup();
    await store.write(written(0, 42n));
    await checkpointer.restore('t', 0, 42n);
    clock.now = 3_000;
    await checkpointer.save([position(1, 20n)]);
    expect(calls).toEqual(['restore t-0', 'snapshot t-0', 'snapshot t-1']);
    expect(await readBack(store, 0)).toMatchObject({ offset: 42n, slot: [0, 0xaa], writtenAt: 3_000 });
    expect(await readBack(store, 1)).toMatchObject({ offset: 20n, writtenAt: 3_000 });
  });

  it('leaves out restored partitions that are no longer owned', async () => {
    const { store, calls, checkpointer } = setup();
    await store.write(written(0, 42n));
    await store.write(written(1, 43n));
    await checkpointer.restore('t', 0, 42n);
    await checkpointer.restore('t', 1, 43n);
    calls.length = 0;
    await checkpointer.save([position(2, 5n)], new Set([id(1), id(2)]));
    expect(calls).toEqual(['snapshot t-1', 'snapshot t-2']);
    expect(await readBack(store, 0)).toMatchObject({ offset: 42n, slot: [9, 0], writtenAt: 500 });
  });

  it('writes a given position in place of the restored one, and no longer writes the restored one', async () => {
    const { store, calls, checkpointer } = setup();
    await store.write(written(0, 42n));
    await checkpointer.restore('t', 0, 42n);
    calls.length = 0;
    await checkpointer.save([position(0, 50n)]);
    expect(calls).toEqual(['snapshot t-0']);
    expect(await readBack(store, 0)).toMatchObject({ offset: 50n });
    await checkpointer.save([]);
    expect(calls).toEqual(['snapshot t-0']);
  });
});

describe('Checkpointer with a changelog topic', () => {
  const changelogRestored = (problems: string[]) => ({
    level: 'info',
    object: { topic: 't', partition: 0, path: expect.any(String), problems },
    message: "no usable local checkpoint; restoring the changelog topic's",
  });

  it('sends the bytes of each checkpoint file to the changelog, keyed by topic and partition', async () => {
    const { changelog, writes } = fakeChangelog();
    const { store, checkpointer } = setup(changelog);
    await checkpointer.save([position(0, 10n), position(1, 20n)]);
    expect(writes).toEqual([
      ['t-0', [...readFileSync(store.path('t', 0))]],
      ['t-1', [...readFileSync(store.path('t', 1))]],
    ]);
  });

  it("restores the changelog's checkpoint when there is no local one", async () => {
    const { changelog } = fakeChangelog(new Map([['t-0', encodeCheckpoint(written(0, 77n), lz4)]]));
    const { restored, log, checkpointer } = setup(changelog);
    expect(await checkpointer.restore('t', 0, 70n)).toBe(77n);
    expect(restored).toEqual([['t', 0, [9, 0]]]);
    expect(log.map((entry) => entry.message)).toEqual([
      "no usable local checkpoint; restoring the changelog topic's",
      'state restored from checkpoint',
    ]);
    expect(log[0]).toEqual(changelogRestored([]));
  });

  it("prefers the changelog's checkpoint to a local .prev, naming what was wrong with the current file", async () => {
    const { changelog } = fakeChangelog(new Map([['t-0', encodeCheckpoint(written(0, 77n), lz4)]]));
    const { store, log, checkpointer } = setup(changelog);
    await store.write(written(0, 30n));
    await store.write(written(0, 42n));
    const path = store.path('t', 0);
    writeFileSync(path, 'torn');
    expect(await checkpointer.restore('t', 0, 70n)).toBe(77n);
    expect(log[0]).toEqual(
      changelogRestored([`checkpoint ${path} is not a Sluice checkpoint (no SLCK header)`]),
    );
    expect(log.map((entry) => entry.level)).toEqual(['info', 'info']);
  });

  it('does not read the changelog when the current local checkpoint is usable and past the commit', async () => {
    const { changelog, reads } = fakeChangelog(new Map([['t-0', encodeCheckpoint(written(0, 77n), lz4)]]));
    const { store, checkpointer } = setup(changelog);
    await store.write(written(0, 42n));
    expect(await checkpointer.restore('t', 0, 41n)).toBe(42n);
    expect(reads()).toBe(0);
  });

  it("rebuilds from the log start when the changelog's record is corrupt and there is no local checkpoint", async () => {
    const { changelog } = fakeChangelog(new Map([['t-0', new Uint8Array([1, 2, 3])]]));
    const { log, checkpointer } = setup(changelog);
    expect(await checkpointer.restore('t', 0, 5n)).toBe(0n);
    expect(log).toEqual([
      {
        level: 'warn',
        object: {
          topic: 't',
          partition: 0,
          path: expect.any(String),
          committed: '5',
          problems: ['checkpoint t-0 in topic g-checkpoints is not a Sluice checkpoint (no SLCK header)'],
        },
        message: 'no usable checkpoint: rebuilding the partition state from the start of the log',
      },
    ]);
  });

  it('reads the changelog once for the restores between two saves', async () => {
    const { changelog, reads } = fakeChangelog();
    const { checkpointer } = setup(changelog);
    expect(await checkpointer.restore('t', 0, undefined)).toBeUndefined();
    expect(await checkpointer.restore('t', 1, undefined)).toBeUndefined();
    expect(reads()).toBe(1);
    await checkpointer.save([]);
    expect(await checkpointer.restore('t', 2, undefined)).toBeUndefined();
    expect(reads()).toBe(2);
  });
});

describe('Checkpointer.save in an exactly-once run', () => {
  /** A transaction that records what went in; `failCommit` makes its commit throw. */
  function fakeTransaction(events: string[], failCommit = false): CheckpointTransaction {
    return {
      async send(record) {
        events.push(
          `send ${record.topic} ${record.messages.map((message) => String(message.key)).join(' ')}`,
        );
      },
      async commit(offsets) {
        events.push(`commit ${offsets.map((o) => `${o.topic}-${o.partition}@${o.offset}`).join(' ')}`);
        if (failCommit) throw new Error('fenced');
      },
    };
  }

  it('sends the changelog records into the transaction, commits them with the offsets, then writes the files', async () => {
    const events: string[] = [];
    const { changelog } = fakeChangelog();
    const { store, checkpointer } = setup(changelog, fakeTransaction(events));
    await checkpointer.save([position(0, 5n), position(1, 3n)]);
    expect(events).toEqual(['send g-checkpoints t-0', 'send g-checkpoints t-1', 'commit t-0@5 t-1@3']);
    expect(await readBack(store, 0)).toMatchObject({ partition: 0, offset: 5n, slot: [0, 0xaa] });
    expect(await readBack(store, 1)).toMatchObject({ partition: 1, offset: 3n, slot: [1, 0xaa] });
  });

  it('a failed commit writes no file: the local checkpoint is never ahead of what was committed', async () => {
    const events: string[] = [];
    const { changelog } = fakeChangelog();
    const { store, checkpointer } = setup(changelog, fakeTransaction(events));
    await checkpointer.save([position(0, 5n)]);
    const failing = setup(changelog, fakeTransaction(events, true));
    // The second checkpointer writes into the same folder as the first.
    const second = new Checkpointer({
      store,
      changelog,
      transaction: fakeTransaction(events, true),
      signature: 'sig',
      intervalMs: 100,
      slots: {
        snapshot: async () => ({ state: new Uint8Array([7]), nodeBytes: [] }),
        restore: async () => {},
      },
      watermark: failing.watermark,
      windows: failing.windows,
      log: { warn: () => {}, info: () => {} },
    });
    await expect(second.save([position(0, 9n)])).rejects.toThrow('fenced');
    expect(await readBack(store, 0)).toMatchObject({ partition: 0, offset: 5n, slot: [0, 0xaa] });
  });
});
