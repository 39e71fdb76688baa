/** The direct source's commit pipeline: offsets kept per owned buffer, committed in order, once. */
import type { Consumer } from 'kafkajs';
import {
  type Logger,
  type OffsetRange,
  type PartitionId,
  partitionId,
  partitionName,
} from '../../core/index.ts';
import { type KafkaRetryOptions, kafkaErrorType, retryingKafka } from '../retry.ts';
import type { FetchBuffers, PartitionBuffer } from './fetch-buffer.ts';
import type { GroupMembership } from './group-membership.ts';

/** An offset to commit, kept until the broker took it, for the buffer (ownership) it was cut from. */
type Uncommitted = {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly buffer: PartitionBuffer;
};

type CommitOffset = { topic: string; partition: number; offset: string };

/** kafkajs errors that mean this member is no longer in the generation its commit was for. */
const STALE_MEMBER = new Set(['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID']);

export type OffsetCommitsOptions = {
  readonly consumer: Consumer;
  readonly groupId: string;
  readonly retry: KafkaRetryOptions;
  readonly log: Logger;
  readonly buffers: FetchBuffers;
  readonly membership: GroupMembership;
};

/**
 * Offsets are committed only for partitions still owned, from the buffer they were cut from.
 * While the consumer rejoins (a rebalance, a crash kafkajs restarts) they are kept, and committed
 * once the same buffer is assigned again: the partition never left.
 */
export class OffsetCommits {
  readonly #options: OffsetCommitsOptions;
  readonly #uncommitted = new Map<PartitionId, Uncommitted>();
  /** Commits one after the other, so an older one never lands after a newer one. */
  #committing: Promise<void> = Promise.resolve();
  /** Successful offset commits kafkajs reported: its runner returns without committing while it restarts. */
  #acks = 0;

  constructor(options: OffsetCommitsOptions) {
    this.#options = options;
  }

  /** kafkajs reported a commit the broker took. */
  acked(): void {
    this.#acks++;
  }

  /** Whether offsets wait to be committed. */
  get pending(): boolean {
    return this.#uncommitted.size > 0;
  }

  /** The commits in flight, settled (failed or not). */
  get settled(): Promise<void> {
    return this.#committing;
  }

  /** Keeps the ranges' ends of the partitions owned to commit (not a lower one than kept). */
  record(ranges: readonly OffsetRange[]): void {
    for (const range of ranges) {
      const key = partitionId(range.topic, range.partition);
      const buffer = this.#options.buffers.get(key);
      if (!buffer) continue;
      const known = this.#uncommitted.get(key);
      if (known?.buffer === buffer && known.offset >= range.untilOffset) continue;
      this.#uncommitted.set(key, {
        topic: range.topic,
        partition: range.partition,
        offset: range.untilOffset,
        buffer,
      });
    }
  }

  /** Keeps `offset` to commit for the partition of `buffer`. */
  keep(buffer: PartitionBuffer, offset: bigint): void {
    const { topic, partition } = buffer;
    this.#uncommitted.set(partitionId(topic, partition), { topic, partition, offset, buffer });
  }

  /** Commits what is kept, after the commits before. */
  flush(): Promise<void> {
    const next = this.#committing.then(() => this.#commitOwned());
    this.#committing = next.catch(() => {});
    return next;
  }

  async #commitOwned(): Promise<void> {
    const { buffers, membership, groupId, log } = this.#options;
    for (const [key, entry] of this.#uncommitted) {
      if (buffers.get(key) !== entry.buffer) this.#uncommitted.delete(key);
    }
    const due = [...this.#uncommitted.entries()].filter(([key]) => membership.owns(key));
    if (due.length === 0) return;
    const offsets = due.map(([, { topic, partition, offset }]) => ({
      topic,
      partition,
      offset: offset.toString(),
    }));
    const committed = await retryingKafka(
      `committing offsets of group ${groupId}`,
      () => this.#commitOnce(offsets),
      this.#options.retry,
    );
    if (!committed) {
      log.info(
        { offsets },
        'offsets kept: the consumer is rejoining the group; committed once its partitions are assigned again',
      );
      return;
    }
    // A range recorded meanwhile (a later batch) stays for the next commit.
    for (const [key, entry] of due) if (this.#uncommitted.get(key) === entry) this.#uncommitted.delete(key);
    log.debug(
      {
        committed: offsets.map(
          ({ topic, partition, offset }) => `${partitionName(topic, partition)}@${offset}`,
        ),
      },
      'offsets committed',
    );
  }

  /** One commit: true once the broker took it, false when the member has no generation now. */
  async #commitOnce(offsets: CommitOffset[]): Promise<boolean> {
    const { membership, consumer, log } = this.#options;
    if (membership.rejoining()) return false;
    const acks = this.#acks;
    try {
      await consumer.commitOffsets(offsets);
    } catch (error) {
      if (membership.rejoining()) return false;
      // The group moved on without this member (it rejoined without waiting for the revocation,
      // its session expired, the coordinator restarted): the next assignment says who owns what.
      if (STALE_MEMBER.has(kafkaErrorType(error) ?? '')) {
        log.warn(
          { offsets, reason: error instanceof Error ? error.message : String(error) },
          'offsets not committed: this member is no longer in the group generation that owned them',
        );
        return false;
      }
      if (isNotRunning(error)) throw new ConsumerRestarting();
      throw error;
    }
    if (this.#acks > acks) return true;
    if (membership.rejoining()) return false;
    // kafkajs's runner returns without committing while it is stopped (between a crash and its restart).
    throw new ConsumerRestarting();
  }
}

/** kafkajs's runner between a crash and its restart: a commit there does nothing. */
class ConsumerRestarting extends Error {
  readonly retriable = true;
  constructor() {
    super('the consumer is restarting');
    this.name = 'ConsumerRestarting';
  }
}

/** kafkajs's consumer between a crash's disconnect and its restart has no group to commit through. */
function isNotRunning(error: unknown): boolean {
  return error instanceof Error && /Consumer group was not initialized/.test(error.message);
}
