import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { BatchInfo } from '../stream/index.ts';
import { toJson } from './json.ts';

/** The file of one batch: named by batch time and id, so a rewrite of the batch replaces it. */
export function batchFileName(info: BatchInfo): string {
  return `batch-${info.time}-${String(info.batchId).padStart(6, '0')}.jsonl`;
}

/**
 * Writes one JSON Lines file per batch: to a temp name, fsync, then rename over the final
 * name, so a reader never sees half a file and a retried batch never leaves two.
 */
export async function writeBatchFile(
  dir: string,
  values: readonly unknown[],
  info: BatchInfo,
): Promise<string> {
  await mkdir(dir, { recursive: true });
  const target = join(dir, batchFileName(info));
  const temp = `${target}.${process.pid}.tmp`;
  const handle = await open(temp, 'w');
  try {
    const body = values.map((value) => `${toJson(value)}\n`).join('');
    await handle.writeFile(body);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  await rename(temp, target);
  return target;
}
