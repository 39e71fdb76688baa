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

// A partition that moved to another instance and came back: this instance's current local file
// is older than the changelog's copy, which the other instance wrote after it.

const lz4 = selectCodecs('off').lz4;
const tempDir = tempDirs('sluice-moved-partition');

function checkpoint(
  partition: number,
  offset: bigint,
  more: Partial<PartitionCheckpoint> = {},
): PartitionCheckpoint {
  return {
    topic: 't',
    partition,
    offset: toOffset(offset),
    signature: 'sig',
    slot: new Uint8Array([Number(offset % 256n), partition]),
    clock: null,
    updates: [],
    writtenAt: 500,
    partitions: [['t', partition]],
    ...more,
  };
}

function setup(remote: readonly PartitionCheckpoint[]) {
  const records = new Map(remote.map((c) => [`t-${c.partition}`, encodeCheckpoint(c, lz4) as Uint8Array]));
  let reads = 0;
  const changelog: Changelog = {
    topic: 'g-checkpoints',
    async write(key, bytes) {
      records.set(key, bytes);
    },
    async latest() {
      reads++;
      return new Map([...records].map(([key, last]) => [key, { last }]));
    },
  };
  const store = new CheckpointStore(tempDir(), lz4);
  const restored: [number, number[]][] = [];
  const messages: string[] = [];
  const checkpointer = new Checkpointer({
    store,
    changelog,
    signature: 'sig',
    intervalMs: 100,
    slots: {
      snapshot: async () => ({ state: new Uint8Array(), nodeBytes: [] }),
      restore: async (_topic, partition, state) => void restored.push([partition, [...state]]),
    },
    watermark: new WatermarkTracker(new Map([[1, 0]]), Number.POSITIVE_INFINITY),
    windows: new WindowMerger(),
    log: {
      warn: (_object, message) => void messages.push(`warn: ${message}`),
      info: (_object, message) => void messages.push(message),
    },
    now: () => 1_000,
  });
  return { store, checkpointer, restored, messages, reads: () => reads };
}

const NEWER = 'the changelog topic has a newer checkpoint than the local file; restoring it';

describe('restoring a partition whose local checkpoint is older than the changelog copy', () => {
  it("restores the changelog's checkpoint when the group committed past the local one", async () => {
    const { store, checkpointer, restored, messages } = setup([checkpoint(0, 90n, { writtenAt: 900 })]);
    await store.write(checkpoint(0, 40n));
    expect(await checkpointer.restore('t', 0, 90n)).toBe(90n);
    expect(restored).toEqual([[0, [90, 0]]]);
    expect(messages).toEqual([NEWER, 'state restored from checkpoint']);
  });

  it("restores the changelog's later save at a smaller offset: the partition's history went on from there", async () => {
    // The other instance rebuilt the state (or rolled back from a save cut short) and saved since.
    const { store, checkpointer, restored, messages } = setup([checkpoint(0, 20n, { writtenAt: 900 })]);
    await store.write(checkpoint(0, 40n));
    // No committed offset (expired): the changelog is read.
    expect(await checkpointer.restore('t', 0, undefined)).toBe(20n);
    expect(restored).toEqual([[0, [20, 0]]]);
    expect(messages).toEqual([NEWER, 'state restored from checkpoint']);
  });

  it('at the same offset, restores the later save', async () => {
    const { store, checkpointer, restored, messages } = setup([
      checkpoint(0, 40n, { writtenAt: 900, slot: new Uint8Array([7]) }),
    ]);
    await store.write(checkpoint(0, 40n));
    expect(await checkpointer.restore('t', 0, undefined)).toBe(40n);
    expect(messages[0]).toBe(NEWER);
    expect(restored).toEqual([[0, [7]]]);
  });

  it('keeps a local checkpoint of this job over a newer one of another job', async () => {
    const { store, checkpointer, restored } = setup([checkpoint(0, 90n, { signature: 'other' })]);
    await store.write(checkpoint(0, 40n));
    expect(await checkpointer.restore('t', 0, 90n)).toBe(40n);
    expect(restored).toEqual([[0, [40, 0]]]);
  });

  it('does not read the changelog when the local checkpoint is past the committed offset', async () => {
    const { store, checkpointer, reads } = setup([checkpoint(0, 90n, { writtenAt: 900 })]);
    await store.write(checkpoint(0, 40n));
    expect(await checkpointer.restore('t', 0, 39n)).toBe(40n);
    expect(reads()).toBe(0);
  });

  it('at the committed offset, reads the changelog: another instance may have saved it since, its offset unmoved', async () => {
    // A state partition (or a repartition partition) changes while its offset stays: the other
    // owner's later save at the same offset holds what came through other partitions.
    const { store, checkpointer, reads, restored } = setup([
      checkpoint(0, 40n, { writtenAt: 900, slot: new Uint8Array([7]) }),
    ]);
    await store.write(checkpoint(0, 40n));
    expect(await checkpointer.restore('t', 0, 40n)).toBe(40n);
    expect(reads()).toBe(1);
    expect(restored).toEqual([[0, [7]]]);
  });

  it('restores partitions from two instances together, each from its own last save', async () => {
    // Partitions 0 and 1 were saved here together at 500; partition 2 was saved here with them
    // then, and since by another instance (with partition 3) at 900.
    const here = [
      ['t', 0],
      ['t', 1],
      ['t', 2],
    ] as [string, number][];
    const { store, checkpointer, restored, messages } = setup([
      checkpoint(2, 75n, {
        writtenAt: 900,
        partitions: [
          ['t', 2],
          ['t', 3],
        ],
      }),
    ]);
    for (const partition of [0, 1, 2])
      await store.write(checkpoint(partition, 30n + BigInt(partition), { partitions: here }));
    const offsets = await checkpointer.restoreAll(
      [0, 1, 2].map((partition) => ({ topic: 't', partition, committed: partition === 2 ? 75n : 30n })),
    );
    expect(offsets).toEqual([30n, 31n, 75n]);
    expect(restored).toEqual([
      [0, [30, 0]],
      [1, [31, 1]],
      [2, [75, 2]],
    ]);
    expect(messages.filter((message) => message.startsWith('warn'))).toEqual([]);
  });

  it('still restores partitions saved together from their common save when one is a save ahead', async () => {
    const both = [
      ['t', 0],
      ['t', 1],
    ] as [string, number][];
    const { store, checkpointer } = setup([]);
    await store.write(checkpoint(0, 10n, { partitions: both, writtenAt: 500 }));
    await store.write(checkpoint(1, 11n, { partitions: both, writtenAt: 500 }));
    await store.write(checkpoint(0, 20n, { partitions: both, writtenAt: 600 }));
    const offsets = await checkpointer.restoreAll([
      { topic: 't', partition: 0, committed: 10n },
      { topic: 't', partition: 1, committed: 11n },
    ]);
    expect(offsets).toEqual([10n, 11n]);
  });
});
