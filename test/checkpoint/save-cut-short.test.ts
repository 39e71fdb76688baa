import { describe, expect, it } from 'vitest';
import type { Changelog } from '../../src/checkpoint/checkpointer.ts';
import {
  Checkpointer,
  CheckpointStore,
  encodeCheckpoint,
  type PartitionCheckpoint,
} from '../../src/checkpoint/index.ts';
import { selectCodecs } from '../../src/codecs/index.ts';
import { WindowMerger } from '../../src/coordinator/index.ts';
import { toOffset } from '../../src/core/index.ts';
import { WatermarkTracker } from '../../src/window/index.ts';
import { tempDirs } from '../support/temp-dirs.ts';

// Regression: a save writes the partitions one after another, so a kill during it left them of
// different saves; each was restored from its own newest, with the newest save's watermark, and
// the partitions a save behind replayed records that were then late (lost).

const lz4 = selectCodecs('off').lz4;
const tempDir = tempDirs('sluice-save-cut-short');

function setup(changelog?: Changelog) {
  const store = new CheckpointStore(tempDir(), lz4);
  const restored: string[] = [];
  const log: [level: string, partition: unknown, message: string][] = [];
  const fields: object[] = [];
  const watermark = new WatermarkTracker(new Map([[1, 0]]), Number.POSITIVE_INFINITY);
  const clock = { now: 1_000 };
  const checkpointer = new Checkpointer({
    store,
    ...(changelog ? { changelog } : {}),
    signature: 'sig',
    intervalMs: 100,
    slots: {
      snapshot: async (_topic, partition) => ({
        state: new Uint8Array([partition, clock.now % 256]),
        nodeBytes: [],
      }),
      restore: async (topic, partition, state) => void restored.push(`${topic}-${partition}:${[...state]}`),
    },
    watermark,
    windows: new WindowMerger(),
    log: {
      warn: (object, message) => {
        fields.push(object);
        log.push(['warn', (object as { partition?: unknown }).partition, message]);
      },
      info: (object, message) =>
        void log.push(['info', (object as { partition?: unknown }).partition, message]),
    },
    now: () => clock.now,
  });
  return { store, restored, log, fields, watermark, clock, checkpointer };
}

/** A checkpoint of partition `partition` of `t` made by save `writtenAt` of `partitions`. */
const saved = (
  partition: number,
  offset: bigint,
  writtenAt: number,
  partitions: readonly number[],
  watermark = writtenAt,
): PartitionCheckpoint => ({
  topic: 't',
  partition,
  offset: toOffset(offset),
  signature: 'sig',
  slot: new Uint8Array([partition, writtenAt % 256]),
  clock: { max: [[1, watermark]], lastActive: 0, watermark },
  updates: [],
  writtenAt,
  partitions: partitions.map((p): [string, number] => ['t', p]),
});

const assigned = (...entries: [partition: number, committed?: bigint][]) =>
  entries.map(([partition, committed]) => ({ topic: 't', partition, committed }));

const LATER = "checkpoint of a later save than another partition's; restored the previous one";
const RESTORED = 'state restored from checkpoint';
const REBUILD = 'no usable checkpoint: rebuilding the partition state from the start of the log';

describe('Checkpointer.restoreAll after a save cut short', () => {
  it('restores the partitions a save ahead from their previous checkpoint, of the save all share', async () => {
    const { store, restored, log, watermark, checkpointer } = setup();
    await store.write(saved(0, 10n, 100, [0, 1]));
    await store.write(saved(1, 11n, 100, [0, 1]));
    await store.write(saved(0, 20n, 200, [0, 1]));
    expect(await checkpointer.restoreAll(assigned([0, 10n], [1, 11n]))).toEqual([10n, 11n]);
    expect(restored).toEqual(['t-0:0,100', 't-1:1,100']);
    expect(watermark.current).toBe(100);
    expect(log).toEqual([
      ['warn', 0, LATER],
      ['info', 0, RESTORED],
      ['info', 1, RESTORED],
    ]);
  });

  it('rebuilds every partition from the log start when one of the save has no checkpoint left', async () => {
    const { store, restored, log, fields, watermark, checkpointer } = setup();
    await store.write(saved(0, 20n, 200, [0, 1]));
    expect(await checkpointer.restoreAll(assigned([0], [1], [2]))).toEqual([0n, 0n, undefined]);
    expect(restored).toEqual([]);
    expect(watermark.current).toBe(Number.NEGATIVE_INFINITY);
    expect(log).toEqual([
      ['warn', 0, REBUILD],
      ['warn', 1, REBUILD],
    ]);
    // What each partition had, so that a rebuild in a run can be told apart from another.
    const saves = [
      't-0: save 200 (local) at 20 with [t-0 t-1]; no restorable save',
      't-1: missing',
      't-2: missing',
    ];
    expect(fields).toEqual([expect.objectContaining({ saves }), expect.objectContaining({ saves })]);
  });

  it('starts a partition the save did not hold as configured, next to the restored ones', async () => {
    const { store, restored, log, checkpointer } = setup();
    await store.write(saved(0, 20n, 200, [0]));
    expect(await checkpointer.restoreAll(assigned([0, 20n], [1]))).toEqual([20n, undefined]);
    expect(restored).toEqual(['t-0:0,200']);
    expect(log).toEqual([['info', 0, RESTORED]]);
  });

  it('gives each save a larger writtenAt than the last, within one millisecond and after a restore', async () => {
    const { store, clock, checkpointer } = setup();
    await store.write(saved(0, 20n, 5_000, [0]));
    await checkpointer.restoreAll(assigned([0, 20n]));
    clock.now = 3_000;
    await checkpointer.save([{ topic: 't', partition: 0, offset: toOffset(30n) }]);
    await checkpointer.save([{ topic: 't', partition: 0, offset: toOffset(31n) }]);
    const read = await store.read('t', 0);
    expect(read.kind === 'found' && [read.checkpoint.offset, read.checkpoint.writtenAt]).toEqual([
      31n,
      5_002,
    ]);
    expect((await store.previous('t', 0))?.writtenAt).toBe(5_001);
  });

  it("restores the local file of the save all share when the changelog holds a partition's next one (killed mid-save)", async () => {
    // Save 200 reached the changelog for partition 0 only, then the instance died before its
    // local files were written: locally both partitions are at save 100.
    const remote = new Map([['t-0', encodeCheckpoint(saved(0, 20n, 200, [0, 1]), lz4) as Uint8Array]]);
    const changelog: Changelog = {
      topic: 'g-checkpoints',
      write: async (key, bytes) => void remote.set(key, bytes),
      latest: async () => new Map([...remote].map(([key, last]) => [key, { last }])),
    };
    const { store, restored, log, watermark, checkpointer } = setup(changelog);
    await store.write(saved(0, 10n, 100, [0, 1]));
    await store.write(saved(1, 11n, 100, [0, 1]));
    expect(await checkpointer.restoreAll(assigned([0, 10n], [1, 11n]))).toEqual([10n, 11n]);
    expect(restored).toEqual(['t-0:0,100', 't-1:1,100']);
    expect(watermark.current).toBe(100);
    expect(log.filter(([, , message]) => message === REBUILD)).toEqual([]);
    expect(log).toContainEqual(['warn', 0, LATER]);
  });

  it("restores the changelog's copy before the last, of the save all share, when another instance died mid-save", async () => {
    // The instance that owned partitions 0 and 1 died while save 200 reached the changelog for
    // partition 0 only; this instance, which never held them, has no local files of them.
    const encode = (checkpoint: PartitionCheckpoint) => encodeCheckpoint(checkpoint, lz4) as Uint8Array;
    const entries = new Map([
      ['t-0', { last: encode(saved(0, 20n, 200, [0, 1])), before: encode(saved(0, 10n, 100, [0, 1])) }],
      ['t-1', { last: encode(saved(1, 11n, 100, [0, 1])) }],
    ]);
    const changelog: Changelog = {
      topic: 'g-checkpoints',
      write: async () => {},
      latest: async () => new Map(entries),
    };
    const { restored, log, watermark, checkpointer } = setup(changelog);
    expect(await checkpointer.restoreAll(assigned([0, 20n], [1, 11n]))).toEqual([10n, 11n]);
    expect(restored).toEqual(['t-0:0,100', 't-1:1,100']);
    expect(watermark.current).toBe(100);
    expect(log.filter(([, , message]) => message === REBUILD)).toEqual([]);
    expect(log).toContainEqual(['warn', 0, LATER]);
  });

  // Regression (repartition.int.test.ts, kill -9 of the third instance): it had just been given
  // partition 4, restored from another instance's save 177, and died in its first save of all its
  // partitions, after 0 and 2. Save 715 had tied 0 and 2 to 4, whose last save is 177, so no save
  // covered all three and all were rebuilt from the log start, losing forwarded values.
  it('restores partitions from the save each last shared with the others when a new owner died in its first save of them', async () => {
    const entries = new Map([
      [
        't-0',
        {
          last: changelogBytes(saved(0, 136n, 715, [0, 2, 4])),
          before: changelogBytes(saved(0, 70n, 600, [0, 2, 5])),
        },
      ],
      [
        't-2',
        {
          last: changelogBytes(saved(2, 300n, 715, [0, 2, 4])),
          before: changelogBytes(saved(2, 226n, 600, [0, 2, 5])),
        },
      ],
      ['t-4', { last: changelogBytes(saved(4, 187n, 177, [1, 4])) }],
    ]);
    const { restored, log, watermark, checkpointer } = setup(fixedChangelog(entries));
    expect(await checkpointer.restoreAll(assigned([0, 75n], [2, 226n], [4, 187n]))).toEqual([
      70n,
      226n,
      187n,
    ]);
    expect(restored).toEqual([`t-0:0,${600 % 256}`, `t-2:2,${600 % 256}`, 't-4:4,177']);
    // The instance's watermark, as for partitions from several instances: the largest restored.
    expect(watermark.current).toBe(600);
    expect(log).toEqual([
      ['warn', 0, LATER],
      ['info', 0, RESTORED],
      ['warn', 2, LATER],
      ['info', 2, RESTORED],
      ['info', 4, "no usable local checkpoint; restoring the changelog topic's"],
      ['info', 4, RESTORED],
    ]);
  });

  it('rebuilds every partition when two saved together have no save in common left', async () => {
    // Save 300 lacks partition 2; partition 0 has save 200 before it, partition 1 only save 100.
    const entries = new Map([
      [
        't-0',
        {
          last: changelogBytes(saved(0, 30n, 300, [0, 1, 2])),
          before: changelogBytes(saved(0, 20n, 200, [0, 1])),
        },
      ],
      [
        't-1',
        {
          last: changelogBytes(saved(1, 31n, 300, [0, 1, 2])),
          before: changelogBytes(saved(1, 11n, 100, [0, 1])),
        },
      ],
      ['t-2', { last: changelogBytes(saved(2, 12n, 100, [2])) }],
    ]);
    const { restored, log, checkpointer } = setup(fixedChangelog(entries));
    expect(await checkpointer.restoreAll(assigned([0, 20n], [1, 11n], [2, 12n]))).toEqual([0n, 0n, 0n]);
    expect(restored).toEqual([]);
    expect(log).toEqual([
      ['warn', 0, REBUILD],
      ['warn', 1, REBUILD],
      ['warn', 2, REBUILD],
    ]);
  });
});

function changelogBytes(checkpoint: PartitionCheckpoint): Uint8Array {
  return encodeCheckpoint(checkpoint, lz4) as Uint8Array;
}

/** A changelog whose records are `entries`, which takes no writes. */
function fixedChangelog(entries: ReadonlyMap<string, { last: Uint8Array; before?: Uint8Array }>): Changelog {
  return { topic: 'g-checkpoints', write: async () => {}, latest: async () => new Map(entries) };
}
