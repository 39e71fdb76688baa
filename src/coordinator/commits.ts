/** Offsets of written batches on their way to the source's commit: on the trigger's schedule, in the transaction, or once a checkpoint covers them. */
import { type BatchInfo, type PartitionId, type PartitionPosition, partitionId } from '../core/index.ts';
import type { Trigger } from './engine-types.ts';
import type { Ownership } from './ownership.ts';
import type { CheckpointPort, TransactionPort } from './ports.ts';
import type { BatchSource } from './source.ts';

export type CommitsOptions = {
  readonly source: Pick<BatchSource, 'commit'>;
  readonly checkpoints: CheckpointPort | undefined;
  readonly transactions: TransactionPort | undefined;
  readonly ownership: Ownership;
  readonly trigger: Trigger;
  readonly commitIntervalMs: number;
  readonly now: () => number;
};

export class Commits {
  readonly #options: CommitsOptions;
  #pending: BatchInfo['offsetRanges'][] = [];
  #lastCommit = 0;
  /** Per partition, the next offset its state has not seen: what a checkpoint covers. */
  readonly #positions = new Map<PartitionId, PartitionPosition>();
  /** The last batch whose outputs were written: what a checkpoint covers. */
  #lastBatch: number | undefined;

  constructor(options: CommitsOptions) {
    this.#options = options;
  }

  /** The run starts: the commit interval counts from now. */
  start(now: number): void {
    this.#lastCommit = now;
  }

  /** After a restore, the batch before `nextBatchId` is the last one a checkpoint covered. */
  restored(nextBatchId: number): void {
    if (nextBatchId > 0) this.#lastBatch = nextBatchId - 1;
  }

  /** A batch's outputs are written: its partitions' state has seen its ranges; commit them. */
  async written(info: BatchInfo): Promise<void> {
    for (const { topic, partition, untilOffset } of info.offsetRanges) {
      this.#positions.set(partitionId(topic, partition), { topic, partition, offset: untilOffset });
    }
    await this.#commit(info.offsetRanges);
    this.#lastBatch = info.batchId;
  }

  /** After a batch: a checkpoint when one is due. */
  async checkpointIfDue(): Promise<void> {
    if (this.#options.checkpoints?.due()) await this.checkpoint();
  }

  /** Partitions are revoked: what is owned is checkpointed and committed for the next owners. */
  async handOver(): Promise<void> {
    if (this.#options.checkpoints) await this.checkpoint();
    else await this.flush();
  }

  /** The run ends: a last checkpoint, and every commit left. */
  async finish(): Promise<void> {
    await this.checkpoint();
    await this.flush();
  }

  /** What an idle continuous run still owes: commits on their interval, checkpoints when due. */
  async idleUpkeep(): Promise<void> {
    const { checkpoints, commitIntervalMs, now } = this.#options;
    if (checkpoints) {
      if (checkpoints.due()) await this.checkpoint();
      return;
    }
    if (now() - this.#lastCommit >= commitIntervalMs) await this.flush();
  }

  /** Milliseconds until waiting commits are due on their interval (infinite: none wait for it). */
  dueIn(): number {
    const { checkpoints, commitIntervalMs, now } = this.#options;
    if (this.#pending.length === 0 || checkpoints) return Number.POSITIVE_INFINITY;
    return this.#lastCommit + commitIntervalMs - now();
  }

  /** Writes the owned partitions' checkpoints, then commits what they cover. */
  async checkpoint(): Promise<void> {
    const { checkpoints, ownership } = this.#options;
    if (!checkpoints) return;
    const ids = ownership.checkpointed();
    for (const id of this.#positions.keys()) if (ids && !ids.has(id)) this.#positions.delete(id);
    // A state partition can hold keys of other input partitions' records while its own brought
    // none: it is checkpointed too, at the position its input partition has not moved from.
    for (const { topic, partition } of ownership.heldState()) {
      const id = partitionId(topic, partition);
      const offset = this.#positions.has(id) ? undefined : ownership.position(topic, partition);
      if (offset !== undefined) this.#positions.set(id, { topic, partition, offset });
    }
    await checkpoints.save([...this.#positions.values()], ids, this.#lastBatch);
    await this.flush();
  }

  async flush(): Promise<void> {
    if (this.#pending.length === 0) return;
    const ranges = this.#pending.flat();
    this.#pending = [];
    this.#lastCommit = this.#options.now();
    await this.#options.source.commit(ranges);
  }

  /**
   * Continuous mode commits on its own interval; the other triggers after every batch. With
   * checkpoints, commits wait for the checkpoint that covers them.
   */
  async #commit(ranges: BatchInfo['offsetRanges']): Promise<void> {
    const { checkpoints, transactions, trigger, commitIntervalMs, now } = this.#options;
    if (transactions) {
      // With checkpoints the transaction stays open until the checkpointer commits it.
      if (!checkpoints) {
        await transactions.commit(
          ranges.map(({ topic, partition, untilOffset }) => ({ topic, partition, offset: untilOffset })),
        );
      }
      return;
    }
    this.#pending.push(ranges);
    if (checkpoints) return;
    if (trigger !== 'continuous' || now() - this.#lastCommit >= commitIntervalMs) await this.flush();
  }
}
