import { spawnSync } from 'node:child_process';
import { globSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startApp } from '../../src/app/index.ts';
import { loadConfig } from '../../src/config/index.ts';
import type { BatchInfo, Logger } from '../../src/core/index.ts';
import { removeStaleTempFiles, tempFileName, writeBatchBytes } from '../../src/sinks/index.ts';
import { tempDirs } from '../support/temp-dirs.ts';

const tempDir = tempDirs('sluice-stale-temp');
const info: BatchInfo = { batchId: 7, time: 1_700_000_001_000, intervalMs: 1000, offsetRanges: [] };

/** The id of a process that has exited: what a `kill -9` leaves in a temp file's name. */
function deadPid(): number {
  const { pid } = spawnSync(process.execPath, ['-e', '']);
  if (pid === undefined) throw new Error('no child process');
  return pid;
}

/** What a reader of the folder sees with the usual globs. */
function readerView(dir: string): { jsonl: string[]; batches: string[] } {
  return {
    jsonl: globSync('*.jsonl', { cwd: dir }).sort(),
    batches: globSync('batch-*', { cwd: dir }).sort(),
  };
}

describe('temp files of the file sink', () => {
  it('are hidden from *.jsonl and batch-* while a batch is written', async () => {
    expect(tempFileName(info, 'host-a', 42)).toBe('.batch-1700000001000-000007.jsonl.host-a.42.tmp');
    const dir = tempDir();
    writeFileSync(join(dir, 'batch-1700000001000-000006.jsonl'), '1\n');
    // Its bytes are read after the temp file is opened: what a reader sees in the middle of the write.
    let during: { all: string[]; view: ReturnType<typeof readerView> } | undefined;
    const parts: Uint8Array[] = [];
    Object.defineProperty(parts, 0, {
      enumerable: true,
      get: () => {
        during = { all: readdirSync(dir).sort(), view: readerView(dir) };
        return Buffer.from('2\n');
      },
    });
    await writeBatchBytes(dir, parts, info);
    expect(during).toEqual({
      all: [tempFileName(info), 'batch-1700000001000-000006.jsonl'].sort(),
      view: { jsonl: ['batch-1700000001000-000006.jsonl'], batches: ['batch-1700000001000-000006.jsonl'] },
    });
    expect(readerView(dir)).toEqual({
      jsonl: ['batch-1700000001000-000006.jsonl', 'batch-1700000001000-000007.jsonl'],
      batches: ['batch-1700000001000-000006.jsonl', 'batch-1700000001000-000007.jsonl'],
    });
  });

  it("a restart removes this host's temp files whose writer is gone, in the old and the new naming", async () => {
    const dir = tempDir();
    const dead = deadPid();
    const host = hostname().replace(/[^\w.-]/g, '_');
    const files = {
      killed: tempFileName(info, host, dead),
      killedSamePid: tempFileName({ ...info, batchId: 9 }, host, process.pid),
      killedOldNaming: `batch-1700000001000-000010.jsonl.${dead}.tmp`,
      runningHere: tempFileName({ ...info, batchId: 11 }, host, process.ppid),
      otherHost: tempFileName({ ...info, batchId: 12 }, 'other-host.example', dead),
      result: 'batch-1700000001000-000006.jsonl',
      unrelated: 'notes.txt',
    };
    for (const name of Object.values(files)) writeFileSync(join(dir, name), '{"half":');
    expect((await removeStaleTempFiles(dir)).sort()).toEqual(
      [files.killed, files.killedSamePid, files.killedOldNaming].sort(),
    );
    expect(readdirSync(dir).sort()).toEqual(
      [files.runningHere, files.otherHost, files.result, files.unrelated].sort(),
    );
    expect(await removeStaleTempFiles(join(dir, 'missing'))).toEqual([]);
  });

  it('a run removes them before its first batch and says so; its folder then holds only results', async () => {
    const dir = tempDir();
    const dead = deadPid();
    const stale = [
      tempFileName({ ...info, time: 1000, batchId: 0 }, hostname().replace(/[^\w.-]/g, '_'), dead),
      `batch-1000-000001.jsonl.${dead}.tmp`,
    ];
    for (const name of stale) writeFileSync(join(dir, name), '["a",1]\n');
    const env = {
      SLUICE_TRIGGER: 'available-now',
      SLUICE_SINK: `file:${dir}`,
      SLUICE_GENERATOR_PARTITIONS: '1',
      SLUICE_GENERATOR_EVENTS: '50',
      SLUICE_WORKERS: '1',
    };
    const warnings: { object: object; message: string }[] = [];
    const log: Logger = {
      info() {},
      debug() {},
      error() {},
      warn: (object, message) => warnings.push({ object, message }),
    };
    const app = await startApp({ config: loadConfig(env), env, log });
    await app.done;
    expect(warnings).toEqual([
      {
        object: { output: expect.any(Number), dir, removed: 2, sample: expect.arrayContaining(stale) },
        message: 'removed the temp files of a run that was killed while writing',
      },
    ]);
    const names = readdirSync(dir);
    expect(names.length).toBeGreaterThan(0);
    expect(names.filter((name) => !/^batch-\d+-\d{6}\.jsonl$/.test(name))).toEqual([]);
  });
});
