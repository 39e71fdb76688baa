// Saves every partition's state with the offset it covers and restores it on assignment, file or changelog.

import type { ProducerRecord } from 'kafkajs';
import type { KeyedState, WindowExchange, WindowMerger } from '../coordinator/index.ts';
import type { BatchPlan, PartitionPosition } from '../core/index.ts';
import { type PartitionId, partitionId, partitionName } from '../core/index.ts';
import type { NodeBytes, SlotSnapshot } from '../task/index.ts';
import type { WatermarkTracker } from '../window/index.ts';
import type { BatchLog } from './batch-log.ts';
import { type ChangelogEntry, changelogKey } from './changelog.ts';
import { CheckpointActivity, type SavedKeyed, type SavedPartition } from './checkpoint-activity.ts';
import type { PartitionCheckpoint } from './checkpoint-file.ts';
import type { CheckpointStore } from './checkpoint-store.ts';
import { chooseSaves } from './restore-choice.ts';

/** The worker slots, as far as checkpoints need them. */
export type SlotState = {
  snapshot(topic: string, partition: number): Promise<SlotSnapshot>;
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
  readonly keyed?: Pick<KeyedState, 'partitions' | 'snapshot' | 'restore' | 'forget'>;
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

/** Where a candidate checkpoint was found. */
type Source = 'local' | 'local .prev' | 'changelog';

/** A checkpoint of this job a partition can be restored from. */
type Candidate = { readonly checkpoint: PartitionCheckpoint; readonly from: Source };

/**
 * What was found for a partition: `candidates`, this job's checkpoints, newest first; `current`,
 * the usable current local file; `previous`, the current file was unusable and its `.prev` read.
 */
type Read = {
  readonly kind: 'found' | 'missing' | 'unusable';
  readonly problems: readonly string[];
  readonly candidates: readonly Candidate[];
  readonly current?: PartitionCheckpoint;
  readonly previous: boolean;
};

/**
 * This job's checkpoints among `found`, each save once (the first place found), the latest save
 * first. Saves are ordered by `writtenAt`, not offset: each save's is larger than any save its
 * instance restored or saw, so it follows the partition's history, where the last save may be at a
 * smaller offset than an abandoned one (a save cut short, then rolled back).
 */
function candidatesOf(found: readonly Candidate[], signature: string): Candidate[] {
  const seen = new Set<string>();
  return found
    .filter(({ checkpoint }) => checkpoint.signature === signature)
    .filter(({ checkpoint }) => {
      const key = `${checkpoint.writtenAt}@${checkpoint.offset}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort(
      (a, b) =>
        b.checkpoint.writtenAt - a.checkpoint.writtenAt || Number(b.checkpoint.offset - a.checkpoint.offset),
    );
}

/** Most partitions a split restore describes in its warnings. */
const DESCRIBED_SAVES = 24;

/**
 * What each partition of a split restore had, for its warnings: its newest save (its time), from
 * where, the offset, the partitions saved with it, and which save it could restore.
 */
function describeSaves(
  partitions: readonly AssignedPartition[],
  reads: readonly Read[],
  picks: readonly number[],
): string[] {
  return partitions.slice(0, DESCRIBED_SAVES).map(({ topic, partition }, index) => {
    const name = partitionName(topic, partition);
    const read = reads[index] as Read;
    const newest = read.candidates[0];
    if (!newest) return `${name}: ${read.kind === 'found' ? 'another job' : read.kind}`;
    const { checkpoint, from } = newest;
    const names = (checkpoint.partitions ?? []).map(([t, p]) => partitionName(t, p));
    const more = names.length > DESCRIBED_SAVES ? ` and ${names.length - DESCRIBED_SAVES} more` : '';
    const peers = `${names.slice(0, DESCRIBED_SAVES).join(' ')}${more}`;
    const pick = read.candidates[picks[index] ?? -1];
    const chosen = pick ? `restorable save ${pick.checkpoint.writtenAt}` : 'no restorable save';
    return `${name}: save ${checkpoint.writtenAt} (${from}) at ${checkpoint.offset} with [${peers}]; ${chosen}`;
  });
}

/** A partition's checkpoint to restore; `skipped`: its newer one, of a save other partitions lack. */
type Choice = {
  readonly candidate: Candidate;
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
  /** The last saves and restore, for the dashboard. */
  readonly activity = new CheckpointActivity();

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
    const began = this.#now();
    const saved: SavedPartition[] = [];
    const encoded: { topic: string; partition: number; bytes: Uint8Array }[] = [];
    for (const { topic, partition, offset } of all.values()) {
      const id = partitionId(topic, partition);
      const slot = await slots.snapshot(topic, partition);
      const keyed = await this.#options.keyed?.snapshot(id);
      const bytes = store.encode({
        topic,
        partition,
        offset,
        signature,
        slot: slot.state,
        clock: watermark.snapshot(id) ?? null,
        updates: windows.snapshot(id),
        ...(keyed ? { keyed: keyed.state } : {}),
        ...(this.#options.exchange ? { exchange: this.#options.exchange.snapshot(id) } : {}),
        writtenAt: this.#savedAt,
        partitions,
        ...(batchId === undefined ? {} : { batchId }),
      });
      saved.push({
        topic,
        partition,
        offset: offset.toString(),
        bytes: bytes.byteLength,
        windowBytes: slot.state.byteLength,
        windowNodes: slot.nodeBytes.map(([node, size]) => ({ node, bytes: size })),
        keyed: keyedShare(this.#options.keyed?.partitions.numberOf(id), keyed?.nodeBytes),
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
    this.activity.saved({
      time: this.#savedAt,
      durationMs: this.#now() - began,
      bytes: saved.reduce((sum, item) => sum + item.bytes, 0),
      batchId: batchId ?? null,
      partitions: saved,
    });
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
   * Every checkpoint of the partition there is: the local file and its `.prev`, and the changelog
   * topic's last two. The changelog is not read when the current local file is past the committed
   * offset: this instance saved it last, as nobody committed since.
   */
  async #read(topic: string, partition: number, committed: bigint | undefined): Promise<Read> {
    const { store, changelog, signature } = this.#options;
    const local = await store.read(topic, partition);
    const problems = local.kind === 'missing' ? [] : [...local.problems];
    const found: Candidate[] = [];
    const current = local.kind === 'found' && !local.previous ? local.checkpoint : undefined;
    if (local.kind === 'found')
      found.push({ checkpoint: local.checkpoint, from: local.previous ? 'local .prev' : 'local' });
    const previous = current && (await store.previous(topic, partition));
    if (previous) found.push({ checkpoint: previous, from: 'local .prev' });
    // Strictly past the commit: at the commit itself, another instance may have saved the partition
    // since at the same offset with other keyed state (a state partition changes with forwarded
    // values and other partitions' keys while its input partition's offset stays).
    const localIsLast = current && committed !== undefined && committed < current.offset;
    if (changelog && !localIsLast) {
      this.#changelogRead ??= changelog.latest();
      const entry = (await this.#changelogRead).get(changelogKey(topic, partition));
      const what = `${changelogKey(topic, partition)} in topic ${changelog.topic}`;
      for (const [bytes, last] of [
        [entry?.last, true],
        [entry?.before, false],
      ] as const) {
        if (!bytes) continue;
        try {
          found.push({ checkpoint: store.decode(bytes, what), from: 'changelog' });
        } catch (error) {
          // The one before the last is only a fallback: its problems are not the partition's.
          if (last) problems.push(error instanceof Error ? error.message : String(error));
        }
      }
    }
    const candidates = candidatesOf(found, signature);
    const kind = found.length > 0 ? 'found' : problems.length > 0 ? 'unusable' : 'missing';
    return {
      kind,
      problems,
      candidates,
      ...(current ? { current } : {}),
      previous: local.kind === 'found' && local.previous,
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
   * Restores partitions assigned together, each as `restore` does, each from the newest save that
   * reached every assigned partition it lists (`chooseSaves`): a crash during a save leaves some
   * partitions a save ahead, and those restore an earlier checkpoint. When partitions that were
   * saved together cannot be restored from one save, all are rebuilt from the start.
   */
  async restoreAll(partitions: readonly AssignedPartition[]): Promise<(bigint | undefined)[]> {
    const began = this.#now();
    const sources: string[] = [];
    const out = await this.#restoreAll(partitions, sources);
    this.activity.restored({
      time: began,
      durationMs: this.#now() - began,
      partitions: partitions.map(({ topic, partition }, index) => ({
        topic,
        partition,
        from: sources[index] ?? 'none',
        offset: out[index]?.toString() ?? null,
      })),
    });
    return out;
  }

  async #restoreAll(
    partitions: readonly AssignedPartition[],
    sources: string[],
  ): Promise<(bigint | undefined)[]> {
    const reads: Read[] = [];
    for (const { topic, partition, committed } of partitions)
      reads.push(await this.#read(topic, partition, committed));
    const ids = partitions.map(({ topic, partition }) => partitionId(topic, partition));
    const { picks, split, listed } = chooseSaves(
      ids,
      reads.map((read) => read.candidates.map(({ checkpoint }) => checkpoint)),
    );
    // Later saves beat every save seen here, a save cut short by another instance's death included.
    for (const read of reads)
      for (const { checkpoint } of read.candidates)
        this.#savedAt = Math.max(this.#savedAt, checkpoint.writtenAt);
    const described = split ? describeSaves(partitions, reads, picks) : undefined;
    const out: (bigint | undefined)[] = [];
    for (const [index, assigned] of partitions.entries()) {
      const read = reads[index] as Read;
      const pick = picks[index] as number;
      const candidate = read.candidates[pick];
      if (candidate && !split) {
        const skipped = pick > 0 ? read.candidates[0]?.checkpoint : undefined;
        out.push(await this.#apply(assigned, { candidate, read, ...(skipped ? { skipped } : {}) }));
        sources.push(candidate.from);
      } else {
        // State held from an earlier ownership of the partition is not the input's from the start.
        await this.#options.keyed?.forget(ids[index] as PartitionId);
        const wasRead = split && (listed[index] === true || read.candidates.length > 0);
        const from = this.#fromScratch(assigned, read, split, wasRead, described);
        out.push(from);
        sources.push(from === undefined ? 'none' : 'rebuilt');
      }
    }
    return out;
  }

  async #apply(
    { topic, partition }: AssignedPartition,
    { candidate, read, skipped }: Choice,
  ): Promise<bigint> {
    const { store, slots, watermark, windows, log } = this.#options;
    const { checkpoint, from } = candidate;
    const where = { topic, partition, path: store.path(topic, partition) };
    if (skipped) {
      log.warn(
        { ...where, problems: [`another assigned partition has no checkpoint of save ${skipped.writtenAt}`] },
        "checkpoint of a later save than another partition's; restored the previous one",
      );
    } else if (from === 'changelog' && read.current) {
      log.info(
        { ...where, local: read.current.offset.toString(), changelog: checkpoint.offset.toString() },
        'the changelog topic has a newer checkpoint than the local file; restoring it',
      );
    } else if (from === 'changelog') {
      log.info(
        { ...where, problems: read.problems },
        "no usable local checkpoint; restoring the changelog topic's",
      );
    } else if (read.previous) {
      log.warn({ ...where, problems: read.problems }, 'checkpoint unusable; restored the previous one');
    }
    const id = partitionId(topic, partition);
    await slots.restore(topic, partition, checkpoint.slot);
    if (checkpoint.clock) watermark.restore(id, checkpoint.clock, this.#now());
    windows.restore(id, checkpoint.updates);
    await this.#options.keyed?.restore(id, checkpoint.keyed ?? []);
    this.#options.exchange?.restore(id, checkpoint.exchange ?? []);
    this.#restored.set(id, { topic, partition, offset: checkpoint.offset });
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
    const { store, log } = this.#options;
    this.#options.exchange?.forget(partitionId(topic, partition));
    const where = { topic, partition, path: store.path(topic, partition) };
    const problems = [...read.problems];
    if (read.kind === 'found' && read.candidates.length === 0)
      problems.push('the checkpoint was written by a different job (its graph signature differs)');
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

/** A saved partition's keyed state: its state partition's number and bytes per operation (none held: null). */
function keyedShare(statePartition: number | undefined, nodeBytes: NodeBytes | undefined): SavedKeyed | null {
  if (statePartition === undefined || !nodeBytes) return null;
  const nodes = nodeBytes.map(([node, bytes]) => ({ node, bytes }));
  return { statePartition, bytes: nodes.reduce((sum, node) => sum + node.bytes, 0), nodes };
}
