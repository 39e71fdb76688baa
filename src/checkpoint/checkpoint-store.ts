// Checkpoint files on disk, one per partition, written atomically with the previous one kept as .prev.

import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { Lz4 } from '../codecs/index.ts';
import { partitionName } from '../core/index.ts';
import { ErrorCode, isSluiceError, SluiceError } from '../errors/index.ts';
import { decodeCheckpoint, encodeCheckpoint, type PartitionCheckpoint } from './checkpoint-file.ts';

/** What reading a partition's checkpoint found. */
export type CheckpointRead =
  | {
      readonly kind: 'found';
      readonly checkpoint: PartitionCheckpoint;
      readonly previous: boolean;
      readonly problems: readonly string[];
    }
  | { readonly kind: 'missing' }
  | { readonly kind: 'unusable'; readonly problems: readonly string[] };

const isMissing = (error: unknown): boolean => (error as { code?: unknown }).code === 'ENOENT';

/**
 * One file per partition under `dir`, written atomically: a temp file, fsynced, the current file
 * kept as `.prev`, the temp renamed over it, the folder fsynced. A crash at any point leaves a
 * current or a previous checkpoint that reads back whole.
 */
export class CheckpointStore {
  readonly dir: string;
  readonly #lz4: Lz4;

  constructor(dir: string, lz4: Lz4) {
    this.dir = dir;
    this.#lz4 = lz4;
  }

  path(topic: string, partition: number): string {
    return join(this.dir, `${partitionName(topic, partition)}.ckpt`);
  }

  /** Decodes checkpoint bytes from elsewhere (the changelog topic); `what` names them in errors. */
  decode(bytes: Uint8Array, what: string): PartitionCheckpoint {
    return decodeCheckpoint(bytes, this.#lz4, what);
  }

  encode(checkpoint: PartitionCheckpoint): Buffer {
    return encodeCheckpoint(checkpoint, this.#lz4);
  }

  /** Writes the checkpoint and returns the bytes written. */
  async write(checkpoint: PartitionCheckpoint): Promise<Buffer> {
    const bytes = this.encode(checkpoint);
    await this.writeEncoded(checkpoint.topic, checkpoint.partition, bytes);
    return bytes;
  }

  /** Writes checkpoint bytes made by `encode`. */
  async writeEncoded(topic: string, partition: number, bytes: Uint8Array): Promise<void> {
    const path = this.path(topic, partition);
    try {
      await mkdir(this.dir, { recursive: true });
      const temp = `${path}.tmp`;
      const file = await open(temp, 'w');
      try {
        await file.writeFile(bytes);
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(path, `${path}.prev`).catch((error: unknown) => {
        if (!isMissing(error)) throw error;
      });
      await rename(temp, path);
      const dir = await open(this.dir, 'r');
      try {
        await dir.sync();
      } finally {
        await dir.close();
      }
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new SluiceError(ErrorCode.checkpoint, `cannot write checkpoint ${path}: ${reason}`, {
        cause: error,
      });
    }
  }

  /** The previous checkpoint alone, when its file reads back whole. */
  async previous(topic: string, partition: number): Promise<PartitionCheckpoint | undefined> {
    const file = `${this.path(topic, partition)}.prev`;
    try {
      return decodeCheckpoint(await readFile(file), this.#lz4, file);
    } catch {
      return undefined;
    }
  }

  /** The current checkpoint, else the previous one, with what was wrong with the current. */
  async read(topic: string, partition: number): Promise<CheckpointRead> {
    const path = this.path(topic, partition);
    const problems: string[] = [];
    let missing = 0;
    for (const [file, previous] of [
      [path, false],
      [`${path}.prev`, true],
    ] as const) {
      try {
        const checkpoint = decodeCheckpoint(await readFile(file), this.#lz4, file);
        return { kind: 'found', checkpoint, previous, problems };
      } catch (error) {
        if (isMissing(error)) missing++;
        else if (isSluiceError(error, ErrorCode.checkpoint)) problems.push(error.message);
        else
          problems.push(
            `checkpoint ${file} cannot be read: ${error instanceof Error ? error.message : String(error)}`,
          );
      }
    }
    return missing === 2 ? { kind: 'missing' } : { kind: 'unusable', problems };
  }
}
