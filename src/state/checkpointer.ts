import type { WindowMerger } from '../stream/index.ts';
import type { WatermarkTracker } from '../window/index.ts';
import { changelogKey } from './changelog.ts';
import type { CheckpointRead, CheckpointStore } from './checkpoint-store.ts';

/** The worker slots, as far as checkpoints need them. */
export type SlotState = {
  snapshot(topic: string, partition: number): Promise<Uint8Array>;
  restore(topic: string, partition: number, state: Uint8Array): Promise<void>;
};

export type CheckpointLog = {
  warn(object: object, message: string): void;
  info(object: object, message: string): void;
};

/** Where checkpoints also go so that another instance can restore a partition. */
export type Changelog = {
  readonly topic: string;
  write(key: string, bytes: Uint8Array): Promise<void>;
  latest(): Promise<Map<string, Uint8Array>>;
};

export type CheckpointerOptions = {
  readonly store: CheckpointStore;
  readonly changelog?: Changelog;
  readonly signature: string;
  readonly intervalMs: number;
  readonly slots: SlotState;
  readonly watermark: WatermarkTracker;
  readonly windows: WindowMerger;
  readonly log: CheckpointLog;
  readonly now?: () => number;
};

/** A partition at a batch boundary: the next offset its state has not seen. */
export type PartitionPosition = {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
};

const partitionId = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

/**
 * Writes every partition's state with the offset it covers, and restores it on assignment.
 * The engine commits offsets only after a checkpoint that covers them is durable, so a restart
 * restores the state and seeks to its offset: what came after is replayed, never lost.
 */
export class Checkpointer {
  readonly #options: CheckpointerOptions;
  readonly #now: () => number;
  #last: number;
  /** The changelog's checkpoints, read once per wave of assignments. */
  #changelogRead: Promise<Map<string, Uint8Array>> | undefined;
  /** Restored partitions, until a batch of theirs moves them: ticks still change their windows. */
  readonly #restored = new Map<string, PartitionPosition>();

  constructor(options: CheckpointerOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#last = this.#now();
  }

  get intervalMs(): number {
    return this.#options.intervalMs;
  }

  due(): boolean {
    return this.#now() - this.#last >= this.#options.intervalMs;
  }

  /**
   * One checkpoint per partition (those given, and restored ones still owned that no batch has
   * moved); throws `SLUICE_CHECKPOINT` when one cannot be made durable.
   */
  async save(positions: readonly PartitionPosition[], owned?: ReadonlySet<string>): Promise<void> {
    const { store, slots, watermark, windows, signature } = this.#options;
    this.#last = this.#now();
    const all = new Map<string, PartitionPosition>();
    for (const [id, position] of this.#restored) if (!owned || owned.has(id)) all.set(id, position);
    for (const position of positions) {
      const id = partitionId(position.topic, position.partition);
      all.set(id, position);
      this.#restored.delete(id);
    }
    for (const { topic, partition, offset } of all.values()) {
      const id = partitionId(topic, partition);
      const bytes = await store.write({
        topic,
        partition,
        offset,
        signature,
        slot: await slots.snapshot(topic, partition),
        clock: watermark.snapshot(id) ?? null,
        updates: windows.snapshot(id),
        writtenAt: this.#last,
      });
      await this.#options.changelog?.write(changelogKey(topic, partition), bytes);
    }
    this.#changelogRead = undefined;
  }

  /**
   * The local checkpoint; when it is missing, or only its `.prev` is usable, the changelog topic's
   * (written by the same save as the current file, so never older than `.prev`).
   */
  async #read(topic: string, partition: number): Promise<CheckpointRead & { fromChangelog?: boolean }> {
    const { store, changelog } = this.#options;
    const local = await store.read(topic, partition);
    if ((local.kind === 'found' && !local.previous) || !changelog) return local;
    this.#changelogRead ??= changelog.latest();
    const bytes = (await this.#changelogRead).get(changelogKey(topic, partition));
    if (!bytes) return local;
    const problems = local.kind === 'missing' ? [] : [...local.problems];
    try {
      const checkpoint = store.decode(bytes, `${changelogKey(topic, partition)} in topic ${changelog.topic}`);
      return { kind: 'found', checkpoint, previous: false, problems, fromChangelog: true };
    } catch (error) {
      problems.push(error instanceof Error ? error.message : String(error));
      return local.kind === 'found' ? { ...local, problems } : { kind: 'unusable', problems };
    }
  }

  /**
   * Restores a newly assigned partition and returns where to read from: the checkpoint's offset;
   * 0 (the log start) to rebuild state from the input, with a warning, when the group has read the
   * partition before but no usable checkpoint of this job is there; undefined when nothing was read
   * before (a first run starts as configured).
   */
  async restore(
    topic: string,
    partition: number,
    committed: bigint | undefined,
  ): Promise<bigint | undefined> {
    const { store, slots, watermark, windows, signature, log } = this.#options;
    const read = await this.#read(topic, partition);
    const where = { topic, partition, path: store.path(topic, partition) };
    if (read.kind === 'found' && read.checkpoint.signature === signature) {
      const { checkpoint } = read;
      if (read.fromChangelog) {
        log.info(
          { ...where, problems: read.problems },
          "no usable local checkpoint; restoring the changelog topic's",
        );
      }
      if (read.previous)
        log.warn({ ...where, problems: read.problems }, 'checkpoint unusable; restored the previous one');
      const id = partitionId(topic, partition);
      await slots.restore(topic, partition, checkpoint.slot);
      if (checkpoint.clock) watermark.restore(id, checkpoint.clock, this.#now());
      windows.restore(id, checkpoint.updates);
      this.#restored.set(id, { topic, partition, offset: checkpoint.offset });
      log.info({ ...where, offset: checkpoint.offset.toString() }, 'state restored from checkpoint');
      return checkpoint.offset;
    }
    const problems =
      read.kind === 'unusable'
        ? read.problems
        : read.kind === 'found'
          ? ['the checkpoint was written by a different job (its graph signature differs)']
          : [];
    if (committed === undefined && problems.length === 0) return undefined;
    log.warn(
      { ...where, committed: committed?.toString(), problems },
      read.kind === 'missing'
        ? 'no checkpoint for a partition the group has read: rebuilding its state from the start of the log'
        : 'no usable checkpoint: rebuilding the partition state from the start of the log',
    );
    return 0n;
  }
}
