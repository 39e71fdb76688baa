// The last checkpoints written and the last restore, as the dashboard shows them.

/** One partition's checkpoint in a save: the offset it covers and its encoded size. */
export type SavedPartition = {
  readonly topic: string;
  readonly partition: number;
  /** The offset the checkpoint covers, as a decimal string (offsets are bigints). */
  readonly offset: string;
  /** The whole checkpoint, compressed: window and keyed state, watermark clock, offsets. */
  readonly bytes: number;
  /** Of it, the slot's window state before compression (msgpack). */
  readonly windowBytes: number;
  /** Of that, each window operation's share. */
  readonly windowNodes: readonly NodeShare[];
  /** The state partition kept with this partition, its keyed state before compression; null: none. */
  readonly keyed: SavedKeyed | null;
};

/** An operation's part of a checkpoint, msgpack bytes before compression. */
export type NodeShare = { readonly node: number; readonly bytes: number };

/** A state partition's keyed state in its input partition's checkpoint. */
export type SavedKeyed = {
  readonly statePartition: number;
  /** All its operations' keyed state, msgpack before compression. */
  readonly bytes: number;
  readonly nodes: readonly NodeShare[];
};

/** One save: every owned partition's checkpoint at once. */
export type CheckpointSave = {
  /** When it was written (its writtenAt, epoch ms). */
  readonly time: number;
  readonly durationMs: number;
  readonly bytes: number;
  readonly batchId: number | null;
  readonly partitions: readonly SavedPartition[];
};

/** One partition of a restore: where its state came from and the offset it resumes from. */
export type RestoredPartition = {
  readonly topic: string;
  readonly partition: number;
  /** `local`, `local .prev`, `changelog`, `rebuilt` (from the log start) or `none` (a first run). */
  readonly from: string;
  readonly offset: string | null;
};

export type CheckpointRestore = {
  readonly time: number;
  readonly durationMs: number;
  readonly partitions: readonly RestoredPartition[];
};

/** What the checkpoints did lately: the last saves, newest first, and the last restore. */
export type CheckpointActivityJson = {
  readonly saves: readonly CheckpointSave[];
  readonly lastRestore: CheckpointRestore | null;
};

/** How many saves the dashboard keeps. */
const SAVES_KEPT = 20;

/** The last saves in a bounded list, and the last restore. */
export class CheckpointActivity {
  #saves: CheckpointSave[] = [];
  #restore: CheckpointRestore | null = null;

  saved(save: CheckpointSave): void {
    this.#saves = [save, ...this.#saves.slice(0, SAVES_KEPT - 1)];
  }

  restored(restore: CheckpointRestore): void {
    this.#restore = restore;
  }

  json(): CheckpointActivityJson {
    return { saves: this.#saves, lastRestore: this.#restore };
  }
}
