/** Warnings for an instance given only some partitions of its input topics, where that changes results. */
import type { SluiceConfig } from '../../config/index.ts';
import { type Logger, partitionName, type TopicPartition } from '../../core/index.ts';

export type AssignmentWarningOptions = {
  readonly config: SluiceConfig;
  readonly log: Logger;
  readonly bounded: boolean;
  readonly recordWindows?: boolean;
  readonly repartitionTopics?: readonly string[];
};

/**
 * Owning only some partitions of the topics just assigned from (others are other members'),
 * said where it changes results: available-now drains only its own, so a run that died without
 * leaving (its member holds its partitions until its session times out) leaves some unread;
 * an aggregation after `window()` runs per instance, so a key in several instances gets partials.
 *
 * `partitionCounts`: partitions per topic just read; `owned`: the partitions this instance owns.
 */
export function warnPartialAssignment(
  options: AssignmentWarningOptions,
  partitionCounts: ReadonlyMap<string, number>,
  owned: readonly TopicPartition[],
  first: boolean,
): void {
  const { config, log } = options;
  const inputs = [...partitionCounts.keys()].filter((topic) => !options.repartitionTopics?.includes(topic));
  const ownedInputs = owned
    .filter(({ topic }) => inputs.includes(topic))
    .map(({ topic, partition }) => partitionName(topic, partition));
  const partitions = inputs.reduce((sum, topic) => sum + (partitionCounts.get(topic) ?? 0), 0);
  if (ownedInputs.length >= partitions) return;
  const share = { groupId: config.groupId, assigned: ownedInputs.sort(), partitions };
  if (options.bounded && first) {
    log.warn(
      { ...share, sessionTimeoutMs: config.sessionTimeoutMs },
      'available-now: this run was given only some partitions; the others belong to other members of the group (a run that died without leaving holds its partitions until its session times out) and are not read by this run',
    );
  }
  if (options.recordWindows) {
    log.warn(
      share,
      "window() holds the records of this instance's partitions only: an aggregation after it gets one partial result per instance for a key in partitions of several instances (aggregate with windowAggregate or an ...AndWindow operation, which merge across instances)",
    );
  }
}
