/** Where newly assigned partitions start reading: restored checkpoint, group commit or as configured. */
import type { Admin } from 'kafkajs';
import { type Logger, type PartitionId, partitionId } from '../../core/index.ts';
import { type KafkaRetryOptions, retryingKafka } from '../retry.ts';
import { type AssignmentWarningOptions, warnPartialAssignment } from './assignment-warnings.ts';
import type { FetchBuffers } from './fetch-buffer.ts';
import type { GroupMembership } from './group-membership.ts';
import type { OffsetCommits } from './offset-commits.ts';

type TopicPartitionRef = { readonly topic: string; readonly partition: number };
type Watermarks = { readonly low: bigint; readonly high: bigint };

export type Restore = (
  partitions: readonly { topic: string; partition: number; committed: bigint | undefined }[],
) => Promise<readonly (bigint | undefined)[]>;

export type StartPositionsOptions = AssignmentWarningOptions & {
  readonly admin: Admin;
  readonly retry: KafkaRetryOptions;
  readonly log: Logger;
  readonly restore?: Restore;
  readonly buffers: FetchBuffers;
  readonly membership: GroupMembership;
  readonly commits: OffsetCommits;
  readonly fail: (error: unknown) => void;
  /** Topics read as tables: from their log start unless a checkpoint restores them. */
  readonly tableTopics?: readonly string[];
};

export class StartPositions {
  readonly #options: StartPositionsOptions;
  #first = true;

  constructor(options: StartPositionsOptions) {
    this.#options = options;
  }

  /** Where each newly assigned partition starts, and (available-now) where it ends. */
  async position(fresh: readonly TopicPartitionRef[]): Promise<void> {
    const { config, buffers, commits } = this.#options;
    const topics = [...new Set(fresh.map((item) => item.topic))];
    const first = this.#first;
    this.#first = false;
    const { watermarks, partitionCounts } = await this.#watermarks(topics);
    const committed = await this.#committed(topics);
    const owned = buffers
      .all()
      .filter(({ topic, partition }) => this.#options.membership.owns(partitionId(topic, partition)));
    warnPartialAssignment(this.#options, partitionCounts, owned, first);
    const restores = await this.#options.restore?.(
      fresh.map(({ topic, partition }) => ({
        topic,
        partition,
        committed: committed.get(partitionId(topic, partition)),
      })),
    );
    for (const [index, { topic, partition }] of fresh.entries()) {
      const key = partitionId(topic, partition);
      const marks = watermarks.get(key) ?? { low: 0n, high: 0n };
      const buffer = buffers.get(key);
      if (!buffer) continue;
      const restored = restores?.[index];
      // Forwarded values are never skipped: a repartition partition goes on from its commit.
      const forwarded = this.#options.repartitionTopics?.includes(topic) === true;
      const explicit = first && config.startingOffsets !== 'committed' && !forwarded;
      const latest = config.startingOffsets === 'latest' && !forwarded;
      const table = this.#options.tableTopics?.includes(topic) === true;
      const start = startOffset(restored, committed.get(key), marks, explicit, latest, table);
      buffers.positionAt(buffer, start);
      if (this.#options.bounded) buffer.end = marks.high;
      // A checkpoint ahead of the group's commit (its owner died between the two) is durable, so
      // its offset is committed now: a batch would commit it only once new records arrive.
      const behind = committed.get(key);
      // Not a rebuild from the log start (0): nothing durable is ahead of the commit then.
      if (restored !== undefined && restored > (behind ?? 0n)) commits.keep(buffer, restored);
    }
    // Not awaited: commits wait for kafkajs's runner, which waits for the assignment to finish.
    if (commits.pending) commits.flush().catch((error: unknown) => this.#options.fail(error));
  }

  /** The fresh partitions' log start and end, and the partitions per topic. */
  async #watermarks(topics: readonly string[]): Promise<{
    watermarks: Map<PartitionId, Watermarks>;
    partitionCounts: Map<string, number>;
  }> {
    const watermarks = new Map<PartitionId, Watermarks>();
    const partitionCounts = new Map<string, number>();
    for (const topic of topics) {
      const read = () => this.#options.admin.fetchTopicOffsets(topic);
      const all = await retryingKafka(`reading the offsets of topic ${topic}`, read, this.#options.retry);
      partitionCounts.set(topic, all.length);
      for (const offsets of all) {
        watermarks.set(partitionId(topic, offsets.partition), {
          low: BigInt(offsets.low),
          high: BigInt(offsets.high),
        });
      }
    }
    return { watermarks, partitionCounts };
  }

  /** The group's committed offsets of the topics' partitions (those without a commit left out). */
  async #committed(topics: string[]): Promise<Map<PartitionId, bigint>> {
    const { admin, config, retry } = this.#options;
    const committed = new Map<PartitionId, bigint>();
    const fetchCommitted = () => admin.fetchOffsets({ groupId: config.groupId, topics });
    const entries = await retryingKafka(
      `reading the committed offsets of group ${config.groupId}`,
      fetchCommitted,
      retry,
    );
    for (const entry of entries) {
      for (const offset of entry.partitions) {
        if (offset.offset !== '-1')
          committed.set(partitionId(entry.topic, offset.partition), BigInt(offset.offset));
      }
    }
    return committed;
  }
}

/**
 * A partition's start: its restored checkpoint's offset, else its group commit, else (or when
 * `explicit`: SLUICE_STARTING_OFFSETS on a first assignment) the log start, or its end when
 * `latest`; never before the log start. A `table` topic's partition is all its log: without a
 * checkpoint, it starts at the log start whatever the commit.
 */
export function startOffset(
  restored: bigint | undefined,
  committed: bigint | undefined,
  marks: Watermarks,
  explicit: boolean,
  latest: boolean,
  table = false,
): bigint {
  if (table && (restored === undefined || restored < marks.low)) return marks.low;
  let start = restored ?? committed;
  if (restored === undefined && (explicit || start === undefined)) start = latest ? marks.high : marks.low;
  if (start === undefined || start < marks.low) start = marks.low;
  return start;
}
