// Which checkpoint each of the partitions assigned together restores: the newest of a save that reached them all.

import { type PartitionId, partitionId } from '../core/index.ts';
import type { PartitionCheckpoint } from './checkpoint-file.ts';

/** Per partition, what `chooseSaves` picked. */
export type SaveChoice = {
  /** Per partition, the index into its candidates to restore, or -1: none. */
  readonly picks: readonly number[];
  /** No consistent choice: the partitions that have state must all be rebuilt. */
  readonly split: boolean;
  /** Per partition, whether a save of the assigned ones listed it: it had state before. */
  readonly listed: readonly boolean[];
};

const peersOf = (checkpoint: PartitionCheckpoint | undefined): Set<PartitionId> =>
  new Set((checkpoint?.partitions ?? []).map(([topic, partition]) => partitionId(topic, partition)));

/**
 * Chooses, for partitions assigned together, the checkpoint each restores from its candidates
 * (newest first). A save writes its partitions one after another, so an instance that died during
 * one left some of them a save ahead: a save is incomplete when a partition it lists that is
 * assigned here has no checkpoint that recent, and each partition takes its newest candidate of a
 * complete save. Partitions from several instances are restored each from its own owner's save;
 * two that chose different saves while each one's save lists the other would disagree (their
 * windows, a state partition and its repartition offset), and then `split` is set.
 */
export function chooseSaves(
  ids: readonly PartitionId[],
  candidates: readonly (readonly PartitionCheckpoint[])[],
): SaveChoice {
  const index = new Map(ids.map((id, at) => [id, at]));
  const newest = candidates.map((list) =>
    list.reduce((latest, checkpoint) => Math.max(latest, checkpoint.writtenAt), Number.NEGATIVE_INFINITY),
  );
  const complete = (checkpoint: PartitionCheckpoint): boolean =>
    (checkpoint.partitions ?? []).every(([topic, partition]) => {
      const at = index.get(partitionId(topic, partition));
      return at === undefined || (newest[at] as number) >= checkpoint.writtenAt;
    });
  const picks = candidates.map((list) => list.findIndex(complete));
  let split = candidates.some((list, at) => list.length > 0 && picks[at] === -1);
  const chosen = candidates.map((list, at) => list[picks[at] as number]);
  const peers = chosen.map(peersOf);
  for (let a = 0; a < ids.length && !split; a++) {
    for (let b = a + 1; b < ids.length; b++) {
      const mutual = peers[a]?.has(ids[b] as PartitionId) && peers[b]?.has(ids[a] as PartitionId);
      if (mutual && chosen[a]?.writtenAt !== chosen[b]?.writtenAt) {
        split = true;
        break;
      }
    }
  }
  const everListed = new Set(
    candidates.flatMap((list) => list.flatMap((checkpoint) => [...peersOf(checkpoint)])),
  );
  return { picks, split, listed: ids.map((id) => everListed.has(id)) };
}
