/** After a restore, the batches the checkpoints logged run again with their ids, times and ranges, so that their outputs are the same. */
import type { Logger } from '../core/index.ts';
import type { BatchRun } from './batch-run.ts';
import type { Commits } from './commits.ts';
import type { BatchStats } from './engine-types.ts';
import type { Ownership } from './ownership.ts';
import type { CheckpointPort } from './ports.ts';
import type { Replay } from './source.ts';

export type ReplayOptions = {
  readonly checkpoints: CheckpointPort | undefined;
  /** Absent: no logged batch can be replayed as it was. */
  readonly replay: Replay | undefined;
  readonly ownership: Pick<Ownership, 'ready'>;
  readonly batches: Pick<BatchRun, 'continueFrom' | 'run'>;
  readonly commits: Pick<Commits, 'restored' | 'checkpoint'>;
  readonly stopping: () => boolean;
  readonly log: Logger;
  readonly count: (stats: BatchStats) => void;
};

/**
 * Runs the logged batches since the restored checkpoint again, then checkpoints, which empties
 * the log. A batch that cannot be replayed as it was (its partition moved on, or the run stops)
 * ends the replay: new batches go on from there.
 */
export async function replayLogged(options: ReplayOptions): Promise<void> {
  const { checkpoints, replay, ownership, batches, commits, log, count } = options;
  if (!checkpoints?.replay) return;
  // The first assignment restores the partitions: what to replay is known after it.
  await ownership.ready();
  const logged = await checkpoints.replay();
  batches.continueFrom(logged.nextBatchId);
  commits.restored(logged.nextBatchId);
  if (logged.plans.length === 0) return;
  for (const plan of logged.plans) {
    const work = options.stopping() ? undefined : await replay?.replay(plan.ranges);
    if (!work) {
      log.warn(
        { batchId: plan.batchId },
        'a logged batch cannot be replayed as it was; going on with new batches',
      );
      break;
    }
    count(await batches.run(plan.time, work, undefined, plan.batchId));
  }
  log.info({ batches: logged.plans.length }, 'logged batches replayed');
  await commits.checkpoint();
}
