import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BatchLog } from '../../src/checkpoint/index.ts';
import type { BatchPlan } from '../../src/core/index.ts';
import { toOffset } from '../../src/core/index.ts';
import { tempDirs } from '../support/temp-dirs.ts';

const tempDir = tempDirs('sluice-batch-log');

const plan = (batchId: number, from: bigint, until: bigint): BatchPlan => ({
  batchId,
  time: 1000 * (batchId + 1),
  ranges: [
    { topic: 't', partition: 0, fromOffset: toOffset(from), untilOffset: toOffset(until) },
    { topic: 't', partition: 1, fromOffset: toOffset(0n), untilOffset: toOffset(9_007_199_254_740_993n) },
  ],
});

describe('BatchLog', () => {
  it('returns the batches after an id, with their ranges as bigints, in order', async () => {
    const log = new BatchLog(join(tempDir(), 'group'));
    for (const [id, from, until] of [
      [4, 0n, 10n],
      [5, 10n, 20n],
      [6, 20n, 25n],
    ] as const)
      await log.append(plan(id, from, until));
    expect(await log.after(4)).toEqual([plan(5, 10n, 20n), plan(6, 20n, 25n)]);
    expect(await log.after(-1)).toHaveLength(3);
    expect(await log.after(6)).toEqual([]);
  });

  it('clear() empties it; a missing log has no batches', async () => {
    const log = new BatchLog(join(tempDir(), 'group'));
    expect(await log.after(-1)).toEqual([]);
    await log.append(plan(0, 0n, 1n));
    await log.clear();
    expect(readFileSync(log.path, 'utf8')).toBe('');
    expect(await log.after(-1)).toEqual([]);
  });

  it('clear() before anything was written creates its folder (a revocation before the first batch)', async () => {
    const log = new BatchLog(join(tempDir(), 'group'));
    await log.clear();
    expect(readFileSync(log.path, 'utf8')).toBe('');
  });

  it('drops a torn last line, as a crash while appending leaves it', async () => {
    const log = new BatchLog(join(tempDir(), 'group'));
    await log.append(plan(1, 0n, 5n));
    appendFileSync(log.path, '{"batchId":2,"time":30');
    expect(await log.after(-1)).toEqual([plan(1, 0n, 5n)]);
  });

  it('fails with SLUICE_CHECKPOINT naming the log when it cannot be written', async () => {
    const file = join(tempDir(), 'taken');
    writeFileSync(file, '');
    const log = new BatchLog(join(file, 'group'));
    await expect(log.append(plan(0, 0n, 1n))).rejects.toMatchObject({
      code: 'SLUICE_CHECKPOINT',
      message: `cannot append to the batch log ${join(file, 'group', 'batches.log')}: ENOTDIR: not a directory, mkdir '${join(file, 'group')}'`,
    });
  });
});
