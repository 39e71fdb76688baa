// checkpoint/: durable state — checkpoint files, changelog topic, batch log, save and restore; main thread.

export { BatchLog } from './batch-log.ts';
export { type ChangelogEntry, CheckpointChangelog } from './changelog.ts';
export type {
  CheckpointActivityJson,
  CheckpointRestore,
  CheckpointSave,
  NodeShare,
  SavedKeyed,
  SavedPartition,
} from './checkpoint-activity.ts';
export { decodeCheckpoint, encodeCheckpoint, type PartitionCheckpoint } from './checkpoint-file.ts';
export { type CheckpointRead, CheckpointStore } from './checkpoint-store.ts';
export { type AssignedPartition, Checkpointer } from './checkpointer.ts';
