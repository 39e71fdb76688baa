import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type CheckpointRead,
  CheckpointStore,
  decodeCheckpoint,
  type PartitionCheckpoint,
} from '../../src/checkpoint/index.ts';
import { selectCodecs } from '../../src/codecs/index.ts';
import { toOffset } from '../../src/core/index.ts';
import { tempDirs } from '../support/temp-dirs.ts';

const lz4 = selectCodecs('off').lz4;
const tempDir = tempDirs('sluice-checkpoint-store');

const checkpoint = (offset: bigint, slot: number[] = [1, 2, 3]): PartitionCheckpoint => ({
  topic: 'events',
  partition: 0,
  offset: toOffset(offset),
  signature: 'sig',
  slot: new Uint8Array(slot),
  clock: null,
  updates: [],
  writtenAt: 1_000,
});

/** The read with the checkpoint's slot as plain bytes (msgpack returns a view of a Buffer). */
function plain(read: CheckpointRead): unknown {
  return read.kind === 'found'
    ? { ...read, checkpoint: { ...read.checkpoint, slot: new Uint8Array(read.checkpoint.slot) } }
    : read;
}

describe('CheckpointStore', () => {
  it('reads back what it wrote, from the current file', async () => {
    const store = new CheckpointStore(join(tempDir(), 'group'), lz4);
    await store.write(checkpoint(42n));
    expect(plain(await store.read('events', 0))).toEqual({
      kind: 'found',
      checkpoint: checkpoint(42n),
      previous: false,
      problems: [],
    });
  });

  it('names one file per partition under its folder', () => {
    const store = new CheckpointStore('/ck/group', lz4);
    expect(store.path('events', 7)).toBe('/ck/group/events-7.ckpt');
  });

  it('keeps the current checkpoint as .prev when it writes the next, and leaves no temp file', async () => {
    const dir = tempDir();
    const store = new CheckpointStore(dir, lz4);
    await store.write(checkpoint(1n, [1]));
    expect(readdirSync(dir)).toEqual(['events-0.ckpt']);
    await store.write(checkpoint(2n, [2]));
    expect(readdirSync(dir).sort()).toEqual(['events-0.ckpt', 'events-0.ckpt.prev']);
    const path = store.path('events', 0);
    expect(decodeCheckpoint(readFileSync(path), lz4, path).offset).toBe(2n);
    expect(decodeCheckpoint(readFileSync(`${path}.prev`), lz4, path).offset).toBe(1n);
  });

  it('falls back to the previous checkpoint when the current one is corrupt, naming the problem', async () => {
    const dir = tempDir();
    const store = new CheckpointStore(dir, lz4);
    await store.write(checkpoint(1n));
    await store.write(checkpoint(2n));
    const path = store.path('events', 0);
    const bytes = readFileSync(path);
    bytes[bytes.length - 3] = (bytes[bytes.length - 3] as number) ^ 0xff;
    writeFileSync(path, bytes);
    expect(plain(await store.read('events', 0))).toEqual({
      kind: 'found',
      checkpoint: checkpoint(1n),
      previous: true,
      problems: [`checkpoint ${path} is corrupt: its checksum does not match`],
    });
  });

  it('is unusable when both the current and the previous checkpoint are corrupt, with both problems', async () => {
    const dir = tempDir();
    const store = new CheckpointStore(dir, lz4);
    const path = store.path('events', 0);
    writeFileSync(path, 'nonsense');
    writeFileSync(`${path}.prev`, Buffer.from('SLCK\u0009\u0000\u0000\u0000\u0000', 'latin1'));
    expect(await store.read('events', 0)).toEqual({
      kind: 'unusable',
      problems: [
        `checkpoint ${path} is not a Sluice checkpoint (no SLCK header)`,
        `checkpoint ${path}.prev has version 9; this Sluice reads version 1`,
      ],
    });
  });

  it('is unusable when the current checkpoint is corrupt and there is no previous one', async () => {
    const store = new CheckpointStore(tempDir(), lz4);
    const path = store.path('events', 0);
    writeFileSync(path, 'nonsense');
    expect(await store.read('events', 0)).toEqual({
      kind: 'unusable',
      problems: [`checkpoint ${path} is not a Sluice checkpoint (no SLCK header)`],
    });
  });

  it('is missing when neither file is there, also when the folder is not', async () => {
    const dir = tempDir();
    expect(await new CheckpointStore(dir, lz4).read('events', 0)).toEqual({ kind: 'missing' });
    expect(await new CheckpointStore(join(dir, 'absent'), lz4).read('events', 0)).toEqual({
      kind: 'missing',
    });
  });

  it('refuses to write below a regular file, naming the checkpoint', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'file'), '');
    const store = new CheckpointStore(join(dir, 'file', 'group'), lz4);
    const path = store.path('events', 0);
    const error = await store.write(checkpoint(1n)).catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      code: 'SLUICE_CHECKPOINT',
      message: `cannot write checkpoint ${path}: ENOTDIR: not a directory, mkdir '${join(dir, 'file', 'group')}'`,
      cause: { code: 'ENOTDIR' },
    });
  });
});
