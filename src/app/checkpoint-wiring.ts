// The run's checkpoints (local store, batch log, changelog topic) and how assigned partitions are restored.
import { join } from 'node:path';
import {
  type AssignedPartition,
  BatchLog,
  CheckpointChangelog,
  Checkpointer,
  CheckpointStore,
} from '../checkpoint/index.ts';
import { lz4 } from '../codecs/index.ts';
import type { SluiceConfig } from '../config/index.ts';
import type { WindowMerger } from '../coordinator/index.ts';
import type { Logger } from '../core/index.ts';
import type { KafkaTransactions, RepartitionTopics } from '../kafka/index.ts';
import { kafkaRetry, retryingKafka } from '../kafka/index.ts';
import type { WatermarkTracker } from '../window/index.ts';
import type { KafkaClients } from './kafka-clients.ts';
import type { TransactionWriter } from './kafka-wiring.ts';
import type { StatePlacement } from './state-layout.ts';

export type CheckpointWiring = {
  readonly config: SluiceConfig;
  readonly kafka: KafkaClients | undefined;
  readonly transaction: TransactionWriter | undefined;
  /** The job graph's signature, stored with each checkpoint. */
  readonly signature: string;
  readonly state: StatePlacement;
  readonly windows: { readonly merger: WindowMerger; readonly watermark: WatermarkTracker };
  readonly log: Logger;
};

/**
 * Checkpoints, on Kafka with SLUICE_CHECKPOINT_DIR: files under the group's directory, and the
 * `<group>-checkpoints` changelog topic from which another instance restores a partition.
 */
export function createCheckpointer(options: CheckpointWiring): Checkpointer | undefined {
  const { config, kafka, transaction, state, windows, log } = options;
  if (!kafka || config.checkpointDir === undefined) return undefined;
  const dir = join(config.checkpointDir, config.groupId);
  return new Checkpointer({
    store: new CheckpointStore(dir, lz4()),
    batches: new BatchLog(dir),
    changelog: new CheckpointChangelog({
      kafka: kafka.client,
      admin: kafka.admin,
      producer: kafka.producer,
      topic: `${config.groupId}-checkpoints`,
      retry: (what, call) => retryingKafka(what, call, kafkaRetry(config, log)),
    }),
    ...(transaction ? { transaction } : {}),
    signature: options.signature,
    intervalMs: config.checkpointIntervalMs,
    slots: state.slots,
    watermark: windows.watermark,
    windows: windows.merger,
    ...(state.keyed ? { keyed: state.keyed } : {}),
    ...(state.exchange ? { exchange: state.exchange } : {}),
    log,
  });
}

export type Restore = (partitions: readonly AssignedPartition[]) => Promise<readonly (bigint | undefined)[]>;

/**
 * What the source does with partitions assigned together before it reads them: exactly-once fences
 * their earlier owner first; checkpoints restore their state and say where to read from, else
 * PostgreSQL's stored offsets do (`stored`). Undefined when there is nothing to do.
 */
export function restoreOf(
  checkpointer: Checkpointer | undefined,
  transactions: KafkaTransactions | undefined,
  repartition: RepartitionTopics | undefined,
  stored: Restore | undefined,
): Restore | undefined {
  if (!checkpointer && !transactions && !stored) return undefined;
  return async (partitions) => {
    // The owner of repartition partition q owns input partition q, whose id fences it.
    await transactions?.fence(partitions.filter(({ topic }) => !repartition?.topics.has(topic)));
    const restored = checkpointer
      ? await checkpointer.restoreAll(partitions)
      : partitions.map(() => undefined);
    if (!stored) return restored;
    const ends = await stored(partitions);
    return restored.map((offset, index) => offset ?? ends[index]);
  };
}
