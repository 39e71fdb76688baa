// The batch log: each planned batch fsynced before it runs, so batches since a checkpoint replay exactly.

import { appendFile, mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { BatchPlan } from '../core/index.ts';
import { toOffset } from '../core/index.ts';
import { ErrorCode, SluiceError } from '../errors/index.ts';

type Line = { batchId: number; time: number; ranges: [string, number, string, string][] };

/**
 * The batches run since the last checkpoint, one JSON line each, fsynced before the batch runs
 * (Spark's offset log). After a crash they are run again exactly, so an output keyed by batch,
 * like `saveAsTextFiles`, rewrites the same files instead of writing new ones.
 */
export class BatchLog {
  readonly path: string;

  constructor(dir: string) {
    this.path = join(dir, 'batches.log');
  }

  async append(plan: BatchPlan): Promise<void> {
    const line: Line = {
      batchId: plan.batchId,
      time: plan.time,
      ranges: plan.ranges.map((r) => [
        r.topic,
        r.partition,
        r.fromOffset.toString(),
        r.untilOffset.toString(),
      ]),
    };
    await this.#io('append to', async () => {
      await mkdir(dirname(this.path), { recursive: true });
      await appendFile(this.path, `${JSON.stringify(line)}\n`);
      const file = await open(this.path, 'r+');
      try {
        await file.sync();
      } finally {
        await file.close();
      }
    });
  }

  /** Empties the log once a checkpoint covers every batch in it. */
  async clear(): Promise<void> {
    await this.#io('clear', async () => {
      // A save before any batch (a revocation right after the first assignment) writes no file.
      await mkdir(dirname(this.path), { recursive: true });
      const temp = `${this.path}.tmp`;
      const file = await open(temp, 'w');
      try {
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(temp, this.path);
    });
  }

  /** The planned batches after `batchId`; a torn last line (a crash while appending) is dropped. */
  async after(batchId: number): Promise<BatchPlan[]> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as { code?: unknown }).code === 'ENOENT') return [];
      throw error;
    }
    const plans: BatchPlan[] = [];
    for (const raw of text.split('\n')) {
      let line: Line;
      try {
        line = JSON.parse(raw) as Line;
      } catch {
        continue;
      }
      if (line.batchId <= batchId) continue;
      plans.push({
        batchId: line.batchId,
        time: line.time,
        ranges: line.ranges.map(([topic, partition, from, until]) => ({
          topic,
          partition,
          fromOffset: toOffset(from),
          untilOffset: toOffset(until),
        })),
      });
    }
    return plans;
  }

  async #io(what: string, run: () => Promise<void>): Promise<void> {
    try {
      await run();
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new SluiceError(ErrorCode.checkpoint, `cannot ${what} the batch log ${this.path}: ${reason}`, {
        cause: error,
      });
    }
  }
}
