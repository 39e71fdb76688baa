// saveAsTextFiles: one JSON Lines file per batch, written to a temp name and renamed atomically.

import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { BatchInfo } from '../core/index.ts';
import type { Node } from '../dsl/index.ts';
import { encodeOutput } from '../task/index.ts';

/** The file of one batch: named by batch time and id, so a rewrite of the batch replaces it. */
export function batchFileName(info: BatchInfo): string {
  return `batch-${info.time}-${String(info.batchId).padStart(6, '0')}.jsonl`;
}

// Who writes a temp file: this host and process. A host name is a DNS label list; anything else
// in it (never seen) becomes "_" so the name stays one path segment that TEMP_FILE parses.
const HOST = hostname().replace(/[^\w.-]/g, '_');

/**
 * A batch file while it is written: hidden (a leading dot) and ending in `.tmp`, so neither
 * `*.jsonl` nor `batch-*` ever matches it, and named by its writer, so a restart knows it.
 */
export function tempFileName(info: BatchInfo, host = HOST, pid = process.pid): string {
  return `.${batchFileName(info)}.${host}.${pid}.tmp`;
}

// `.batch-<time>-<id>.jsonl.<host>.<pid>.tmp`, and `batch-<time>-<id>.jsonl.<pid>.tmp` of
// earlier versions, which named no host and showed to a reader of every `batch-*` file.
const TEMP_FILE = /^\.batch-\d+-\d+\.jsonl\.(.+)\.(\d+)\.tmp$/;
const OLD_TEMP_FILE = /^batch-\d+-\d+\.jsonl\.(\d+)\.tmp$/;

/**
 * Writes one JSON Lines file per batch: to a temp name, fsync, then rename over the final
 * name, so a reader never sees half a file and a retried batch never leaves two.
 */
export function writeBatchFile(dir: string, values: readonly unknown[], info: BatchInfo): Promise<string> {
  return writeBatchBytes(dir, encodeOutput({ type: 'saveAsTextFiles', dir }, values).parts, info);
}

/** The same for lines already encoded (by the slots: task/output-encoding.ts), written in order. */
export async function writeBatchBytes(
  dir: string,
  parts: readonly Uint8Array[],
  info: BatchInfo,
): Promise<string> {
  await mkdir(dir, { recursive: true });
  const target = join(dir, batchFileName(info));
  const temp = join(dir, tempFileName(info));
  const handle = await open(temp, 'w');
  try {
    for (const part of parts) await handle.write(part);
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

/**
 * Removes the temp files a killed run of this host left in `dir` (a `kill -9` between open and
 * rename): those whose writer's process is gone, or has this process's id (a container restarted
 * as pid 1 again). Call it before this process writes to `dir`. Another host's files are left
 * alone: their writer may be running. Returns the names removed.
 */
export async function removeStaleTempFiles(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const stale = names.filter((name) => {
    const writer = tempFileWriter(name);
    return writer !== undefined && (writer.host ?? HOST) === HOST && !running(writer.pid);
  });
  await Promise.all(stale.map((name) => rm(join(dir, name), { force: true })));
  return stale;
}

function tempFileWriter(name: string): { host: string | undefined; pid: number } | undefined {
  const current = TEMP_FILE.exec(name);
  if (current) return { host: current[1], pid: Number(current[2]) };
  const old = OLD_TEMP_FILE.exec(name);
  return old ? { host: undefined, pid: Number(old[1]) } : undefined;
}

/** Whether another process with this id runs on this host now. */
function running(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Before the first batch: each `saveAsTextFiles` folder of the job loses the stale temp files of
 * this host, said in one line per folder. A folder that cannot be read is left to the first
 * write, which fails with the output's own error.
 */
export async function removeStaleTempFilesOf(
  nodes: readonly Node[],
  log: { warn(object: object, message: string): void },
): Promise<void> {
  for (const node of nodes) {
    if (node.kind !== 'output' || node.sink.type !== 'saveAsTextFiles') continue;
    const { dir } = node.sink;
    try {
      const removed = await removeStaleTempFiles(dir);
      if (removed.length > 0) {
        log.warn(
          { output: node.id, dir, removed: removed.length, sample: removed.slice(0, 3) },
          'removed the temp files of a run that was killed while writing',
        );
      }
    } catch (error) {
      log.warn(
        { output: node.id, dir, error: error instanceof Error ? error.message : String(error) },
        'cannot look for stale temp files',
      );
    }
  }
}
