// Saves every partition's state with the offset it covers and restores it on assignment, file or changelog.

import type { ProducerRecord } from 'kafkajs';
import type { KeyedState, WindowExchange, WindowMerger } from '../coordinator/index.ts';
import type { BatchPlan, PartitionPosition } from '../core/index.ts';
import { type PartitionId, partitionId, partitionName } from '../core/index.ts';
import type { WatermarkTracker } from '../window/index.ts';
import type { BatchLog } from './batch-log.ts';
import { type ChangelogEntry, changelogKey } from './changelog.ts';
import type { PartitionCheckpoint } from './checkpoint-file.ts';
import type { CheckpointRead, CheckpointStore } from './checkpoint-store.ts';

/** The worker slots, as far as checkpoints need them. */
export type SlotState = {
  snapshot(topic: string, partition: number): Promise<Uint8Array>;
  restore(topic: string, partition: number, state: Uint8Array): Promise<void>;
};

export type CheckpointLog = {
  warn(object: object, message: string): void;
  info(object: object, message: string): void;
  debug?(object: object, message: string): void;
};

/** An exactly-once run's Kafka transaction: changelog records go in, offsets commit with them. */
export type CheckpointTransaction = {
  send(record: ProducerRecord): Promise<unknown>;
  commit(offsets: readonly PartitionPosition[]): Promise<void>;
};

/** Where checkpoints also go so that another instance can restore a partition. */
export type Changelog = {
  readonly topic: string;
  write(key: string, bytes: Uint8Array, via?: CheckpointTransaction): Promise<void>;
  latest(): Promise<Map<string, ChangelogEntry>>;
};

export type CheckpointerOptions = {
  readonly store: CheckpointStore;
  /** With it, batches run since the last save are planned here and replayed exactly. */
  readonly batches?: BatchLog;
  readonly changelog?: Changelog;
  /**
   * Exactly-once: each save's changelog records and offsets commit in one transaction, and the
   * local files are written after it, so they are never ahead of what was committed.
   */
  readonly transaction?: CheckpointTransaction;
  readonly signature: string;
  readonly intervalMs: number;
  readonly slots: SlotState;
  readonly watermark: WatermarkTracker;
  readonly windows: WindowMerger;
  /** Keyed state (in the slots), checkpointed per state partition with its input partition. */
  readonly keyed?: Pick<KeyedState, 'snapshot' | 'restore' | 'forget'>;
  /** Window aggregations across instances: their waiting windows, per state partition too. */
  readonly exchange?: Pick<WindowExchange, 'snapshot' | 'restore' | 'forget'>;
  readonly log: CheckpointLog;
  readonly now?: () => number;
};

/** A partition being assigned, with the group's committed offset for it. */
export type AssignedPartition = {
  readonly topic: string;
  readonly partition: number;
  readonly committed: bigint | undefined;
};

/** `newerThan`: the current local checkpoint the changelog's replaced, being older. */
/**
 * `newerThan`: the local current checkpoint the changelog's beat; `before`: the changelog's
 * checkpoint before the one read, undecoded.
 */
type Read = CheckpointRead & {
  fromChangelog?: boolean;
  newerThan?: PartitionCheckpoint;
  before?: Uint8Array;
};

/**
 * Whether `a` covers more of the partition than `b`: a larger offset, or the same offset saved
 * later. A checkpoint of another job never replaces one of this job.
 */
function isNewer(a: PartitionCheckpoint, b: PartitionCheckpoint, signature: string): boolean {
  if (a.signature !== signature) return false;
  if (b.signature !== signature) return true;
  return a.offset > b.offset || (a.offset === b.offset && a.writtenAt > b.writtenAt);
}

/**
 * Per partition, the save it must be restored from: the oldest among the partitions it was saved
 * with. Two partitions were saved together when each one's checkpoint lists the other; a
 * checkpoint that lists a partition it was not saved with again (another instance saved that one
 * since: it moved) does not tie them, so partitions coming from several instances are restored
 * each from its own last save.
 */
function sameSave(
  partitions: readonly AssignedPartition[],
  usable: readonly (PartitionCheckpoint | undefined)[],
): number[] {
  const ids = partitions.map(({ topic, partition }) => partitionId(topic, partition));
  const peers = usable.map(
    (checkpoint) => new Set((checkpoint?.partitions ?? []).map(([t, p]) => partitionId(t, p))),
  );
  const group = ids.map((_, index) => index);
  const root = (index: number): number => {
    while (group[index] !== index) index = group[index] as number;
    return index;
  };
  for (let a = 0; a < ids.length; a++) {
    for (let b = a + 1; b < ids.length; b++) {
      if (peers[a]?.has(ids[b] as PartitionId) && peers[b]?.has(ids[a] as PartitionId))
        group[root(b)] = root(a);
    }
  }
  const oldest = new Map<number, number>();
  for (const [index, checkpoint] of usable.entries()) {
    const at = checkpoint?.writtenAt ?? Number.POSITIVE_INFINITY;
    oldest.set(root(index), Math.min(oldest.get(root(index)) ?? Number.POSITIVE_INFINITY, at));
  }
  return ids.map((_, index) => oldest.get(root(index)) as number);
}

/** Most partitions a split restore describes in its warnings. */
const DESCRIBED_SAVES = 24;

/**
 * What each partition of a split restore had, for its warnings: the save (its time) it read, from
 * where, the offset, the partitions saved with it, and whether a checkpoint of the shared save
 * was found.
 */
function describeSaves(
  partitions: readonly AssignedPartition[],
  usable: readonly (PartitionCheckpoint | undefined)[],
  reads: readonly Read[],
  choices: readonly (Choice | undefined)[],
): string[] {
  return partitions.slice(0, DESCRIBED_SAVES).map(({ topic, partition }, index) => {
    const name = partitionName(topic, partition);
    const checkpoint = usable[index];
    const read = reads[index];
    if (!checkpoint) return `${name}: ${read?.kind === 'found' ? 'another job' : (read?.kind ?? 'missing')}`;
    const from =
      read?.kind === 'found' && read.fromChangelog
        ? 'changelog'
        : read?.kind === 'found' && read.previous
          ? 'local .prev'
          : 'local';
    const names = (checkpoint.partitions ?? []).map(([t, p]) => partitionName(t, p));
    const more = names.length > DESCRIBED_SAVES ? ` and ${names.length - DESCRIBED_SAVES} more` : '';
    const peers = `${names.slice(0, DESCRIBED_SAVES).join(' ')}${more}`;
    const chosen = choices[index]
      ? `restorable save ${choices[index]?.checkpoint.writtenAt}`
      : 'no restorable save';
    return `${name}: save ${checkpoint.writtenAt} (${from}) at ${checkpoint.offset} with [${peers}]; ${chosen}`;
  });
}

/** A partition's checkpoint to restore; `skipped`: its newer one, of a save other partitions lack. */
type Choice = {
  readonly checkpoint: PartitionCheckpoint;
  readonly read: Read;
  readonly skipped?: PartitionCheckpoint;
};

/**
 * Writes every partition's state with the offset it covers, and restores it on assignment.
 * The engine commits offsets only after a checkpoint that covers them is durable, so a restart
 * restores the state and seeks to its offset: what came after is replayed, never lost.
 */
export class Checkpointer {
  readonly #options: CheckpointerOptions;
  readonly #now: () => number;
  #last: number;
  /** The last save's (or restored checkpoint's) writtenAt: each save's is larger, one id per save. */
  #savedAt = Number.NEGATIVE_INFINITY;
  /** The batch id of the save restored at start, and whether some partition had to be rebuilt. */
  #restoredBatch: number | undefined;
  #rebuilt = false;
  /** The changelog's checkpoints, read once per wave of assignments. */
  #changelogRead: Promise<Map<string, ChangelogEntry>> | undefined;
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
  async save(
    positions: readonly PartitionPosition[],
    owned?: ReadonlySet<string>,
    batchId?: number,
  ): Promise<void> {
    const { store, slots, watermark, windows, signature } = this.#options;
    this.#last = this.#now();
    this.#savedAt = Math.max(this.#last, this.#savedAt + 1);
    const all = new Map<string, PartitionPosition>();
    for (const [id, position] of this.#restored) if (!owned || owned.has(id)) all.set(id, position);
    for (const position of positions) {
      const id = partitionId(position.topic, position.partition);
      all.set(id, position);
      this.#restored.delete(id);
    }
    const partitions = [...all.values()].map(({ topic, partition }): [string, number] => [topic, partition]);
    const { changelog, transaction } = this.#options;
    const encoded: { topic: string; partition: number; bytes: Uint8Array }[] = [];
    for (const { topic, partition, offset } of all.values()) {
      const id = partitionId(topic, partition);
      const bytes = store.encode({
        topic,
        partition,
        offset,
        signature,
        slot: await slots.snapshot(topic, partition),
        clock: watermark.snapshot(id) ?? null,
        updates: windows.snapshot(id),
        ...(this.#options.keyed ? { keyed: await this.#options.keyed.snapshot(id) } : {}),
        ...(this.#options.exchange ? { exchange: this.#options.exchange.snapshot(id) } : {}),
        writtenAt: this.#savedAt,
        partitions,
        ...(batchId === undefined ? {} : { batchId }),
      });
      if (transaction) {
        await changelog?.write(changelogKey(topic, partition), bytes, transaction);
        encoded.push({ topic, partition, bytes });
      } else {
        await store.writeEncoded(topic, partition, bytes);
        await changelog?.write(changelogKey(topic, partition), bytes);
      }
    }
    if (transaction) {
      await transaction.commit([...all.values()]);
      for (const { topic, partition, bytes } of encoded) await store.writeEncoded(topic, partition, bytes);
    }
    this.#changelogRead = undefined;
    // Every batch in the log is in the checkpoints now.
    await this.#options.batches?.clear();
    this.#options.log.debug?.({ partitions: all.size, batchId: batchId ?? null }, 'checkpoint written');
  }

  /** Logs a batch before it runs (nothing without a batch log). */
  async planned(plan: BatchPlan): Promise<void> {
    await this.#options.batches?.append(plan);
  }

  /**
   * The batches to run again before new ones, as planned: those after the restored save, when
   * every partition came back from that save (a rebuilt partition cannot replay exactly).
   */
  async replay(): Promise<{ readonly plans: readonly BatchPlan[]; readonly nextBatchId: number }> {
    const saved = this.#restoredBatch;
    if (saved === undefined) return { plans: [], nextBatchId: 0 };
    const plans = this.#rebuilt || !this.#options.batches ? [] : await this.#options.batches.after(saved);
    return { plans, nextBatchId: (plans.at(-1)?.batchId ?? saved) + 1 };
  }

  /**
   * The local checkpoint or the changelog topic's, whichever is newer. The changelog is read when
   * the local file is missing, only its `.prev` is usable, or the group committed past it: then
   * another instance owned the partition since (it moved away and came back) and its later
   * checkpoint is in the changelog. A local file past the committed offset is the newest that
   * counts, so the changelog (read from its start) is not read for it.
   */
  async #read(topic: string, partition: number, committed: bigint | undefined): Promise<Read> {
    const { store, changelog, signature } = this.#options;
    const local = await store.read(topic, partition);
    if (!changelog) return local;
    const current = local.kind === 'found' && !local.previous ? local.checkpoint : undefined;
    // Strictly past the commit: at the commit itself, another instance may have saved the partition
    // since at the same offset with other keyed state (a state partition changes with forwarded
    // values and other partitions' keys while its input partition's offset stays).
    if (current && committed !== undefined && committed < current.offset) return local;
    this.#changelogRead ??= changelog.latest();
    const entry = (await this.#changelogRead).get(changelogKey(topic, partition));
    if (!entry) return local;
    const bytes = entry.last;
    const problems = local.kind === 'missing' ? [] : [...local.problems];
    let remote: PartitionCheckpoint;
    try {
      remote = store.decode(bytes, `${changelogKey(topic, partition)} in topic ${changelog.topic}`);
    } catch (error) {
      problems.push(error instanceof Error ? error.message : String(error));
      return local.kind === 'found' ? { ...local, problems } : { kind: 'unusable', problems };
    }
    if (current && !isNewer(remote, current, signature)) return local;
    return {
      kind: 'found',
      checkpoint: remote,
      previous: false,
      problems,
      fromChangelog: true,
      ...(current ? { newerThan: current } : {}),
      ...(entry.before ? { before: entry.before } : {}),
    };
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
    const [from] = await this.restoreAll([{ topic, partition, committed }]);
    return from;
  }

  /**
   * Restores partitions assigned together, each as `restore` does, from one save: windows fire in
   * all partitions at once and the restored watermark is the save's, so partitions of different
   * saves would disagree (a crash during a save leaves some a save ahead). Those ahead restore
   * their previous checkpoint; when no save covers every partition, all are rebuilt from the start.
   */
  async restoreAll(partitions: readonly AssignedPartition[]): Promise<(bigint | undefined)[]> {
    const { signature } = this.#options;
    const reads: Read[] = [];
    for (const { topic, partition, committed } of partitions)
      reads.push(await this.#read(topic, partition, committed));
    const usable = reads.map((read) =>
      read.kind === 'found' && read.checkpoint.signature === signature ? read.checkpoint : undefined,
    );
    const saves = sameSave(partitions, usable);
    const choices: (Choice | undefined)[] = [];
    let split = false;
    for (const [index, { topic, partition }] of partitions.entries()) {
      const checkpoint = usable[index];
      const read = reads[index] as Read;
      const at = saves[index] as number;
      if (!checkpoint || checkpoint.writtenAt === at) {
        choices.push(checkpoint && { checkpoint, read });
        continue;
      }
      // The save all share: where the changelog's newer copy won, the local current file may be
      // it (this instance killed while that save reached the changelog), or the changelog's copy
      // before it (another instance killed so); else the local previous.
      const candidates = [
        read.newerThan,
        this.#decodeBefore(read, topic, partition),
        await this.#options.store.previous(topic, partition),
      ];
      const previous = candidates.find((older) => older?.signature === signature && older.writtenAt === at);
      if (previous) {
        choices.push({ checkpoint: previous, read, skipped: checkpoint });
      } else {
        choices.push(undefined);
        split = true;
      }
    }
    const peers = new Set(
      choices.flatMap((choice) => (choice?.checkpoint.partitions ?? []).map(([t, p]) => partitionId(t, p))),
    );
    const inSave = partitions.map(({ topic, partition }) => peers.has(partitionId(topic, partition)));
    if (choices.some((choice, index) => !choice && inSave[index])) split = true;
    const described = split ? describeSaves(partitions, usable, reads, choices) : undefined;
    const out: (bigint | undefined)[] = [];
    for (const [index, assigned] of partitions.entries()) {
      const read = reads[index] as Read;
      const choice = choices[index];
      if (choice && !split) out.push(await this.#apply(assigned, choice));
      else {
        // State held from an earlier ownership of the partition is not the input's from the start.
        await this.#options.keyed?.forget(partitionId(assigned.topic, assigned.partition));
        const wasRead = split && (inSave[index] || !!usable[index]);
        out.push(this.#fromScratch(assigned, read, split, wasRead, described));
      }
    }
    return out;
  }

  /** The changelog's checkpoint before the one `read` has, when it is there and decodes. */
  #decodeBefore(read: Read, topic: string, partition: number): PartitionCheckpoint | undefined {
    const { store, changelog } = this.#options;
    if (!read.before || !changelog) return undefined;
    try {
      return store.decode(read.before, `${changelogKey(topic, partition)} in topic ${changelog.topic}`);
    } catch {
      return undefined;
    }
  }

  async #apply(
    { topic, partition }: AssignedPartition,
    { checkpoint, read, skipped }: Choice,
  ): Promise<bigint> {
    const { store, slots, watermark, windows, log } = this.#options;
    const where = { topic, partition, path: store.path(topic, partition) };
    if (read.newerThan) {
      log.info(
        { ...where, local: read.newerThan.offset.toString(), changelog: checkpoint.offset.toString() },
        'the changelog topic has a newer checkpoint than the local file; restoring it',
      );
    } else if (read.kind === 'found' && read.fromChangelog) {
      log.info(
        { ...where, problems: read.problems },
        "no usable local checkpoint; restoring the changelog topic's",
      );
    }
    if (skipped) {
      log.warn(
        { ...where, problems: [`another assigned partition has no checkpoint of save ${skipped.writtenAt}`] },
        "checkpoint of a later save than another partition's; restored the previous one",
      );
    } else if (read.kind === 'found' && read.previous) {
      log.warn({ ...where, problems: read.problems }, 'checkpoint unusable; restored the previous one');
    }
    const id = partitionId(topic, partition);
    await slots.restore(topic, partition, checkpoint.slot);
    if (checkpoint.clock) watermark.restore(id, checkpoint.clock, this.#now());
    windows.restore(id, checkpoint.updates);
    await this.#options.keyed?.restore(id, checkpoint.keyed ?? []);
    this.#options.exchange?.restore(id, checkpoint.exchange ?? []);
    this.#restored.set(id, { topic, partition, offset: checkpoint.offset });
    this.#savedAt = Math.max(this.#savedAt, checkpoint.writtenAt);
    if (checkpoint.batchId !== undefined) this.#restoredBatch ??= checkpoint.batchId;
    log.info({ ...where, offset: checkpoint.offset.toString() }, 'state restored from checkpoint');
    return checkpoint.offset;
  }

  /**
   * `split`: no save covers every partition assigned (`saves` says what each had); `wasRead`: a
   * save had read this one.
   */
  #fromScratch(
    { topic, partition, committed }: AssignedPartition,
    read: Read,
    split: boolean,
    wasRead: boolean,
    saves?: readonly string[],
  ): bigint | undefined {
    const { store, signature, log } = this.#options;
    this.#options.exchange?.forget(partitionId(topic, partition));
    const where = { topic, partition, path: store.path(topic, partition) };
    const problems =
      read.kind === 'unusable'
        ? [...read.problems]
        : read.kind === 'found' && read.checkpoint.signature !== signature
          ? ['the checkpoint was written by a different job (its graph signature differs)']
          : [];
    if (split) problems.push('no save has a checkpoint of every partition assigned with this one');
    if (committed === undefined && problems.length === 0) return undefined;
    if (committed === undefined && !wasRead && read.kind === 'missing') return undefined;
    log.warn(
      { ...where, committed: committed?.toString(), problems, ...(saves ? { saves } : {}) },
      read.kind === 'missing' && !split
        ? 'no checkpoint for a partition the group has read: rebuilding its state from the start of the log'
        : 'no usable checkpoint: rebuilding the partition state from the start of the log',
    );
    this.#rebuilt = true;
    return 0n;
  }
}
