// The run's Kafka parts besides its clients: transactions, repartition topics and the direct source.
import type { AssignedPartition } from '../checkpoint/index.ts';
import type { SluiceConfig } from '../config/index.ts';
import type { AppSource, Slots } from '../coordinator/index.ts';
import type { Logger } from '../core/index.ts';
import type { Plan } from '../dsl/index.ts';
import {
  DirectSource,
  type ForwardSender,
  KafkaTransactions,
  kafkaRetry,
  RepartitionTopics,
  transactionTimeoutMs,
} from '../kafka/index.ts';
import type { KafkaClients } from './kafka-clients.ts';
import type { StatePlacement } from './state-layout.ts';

/** Exactly-once Kafka outputs: transactions on the input partitions' ids (none at-least-once). */
export function exactlyOnce(
  config: SluiceConfig,
  kafka: KafkaClients | undefined,
  log: Logger,
): KafkaTransactions | undefined {
  if (config.guarantee !== 'exactly-once' || !kafka) return undefined;
  const { timeoutMs, capped } = transactionTimeoutMs(config);
  if (capped) {
    log.warn(
      { timeoutMs, sinkRetryTimeoutMs: config.sinkRetryTimeoutMs },
      'SLUICE_GUARANTEE=exactly-once: a transaction can stay open longer than the broker allows (15 min) while an output is retried; the broker then aborts it and the run stops',
    );
  }
  return new KafkaTransactions({ kafka: kafka.client, groupId: config.groupId, timeoutMs, log });
}

/** What outputs, checkpoints and repartition topics write through: the open transaction's sends and commit. */
export type TransactionWriter = Pick<KafkaTransactions, 'send' | 'commit'>;

export function transactionWriter(
  transactions: KafkaTransactions | undefined,
): TransactionWriter | undefined {
  return (
    transactions && {
      send: (record) => transactions.send(record),
      commit: (offsets) => transactions.commit(offsets),
    }
  );
}

/**
 * Keyed state across instances: keys of state partitions owned elsewhere travel through one topic
 * per state operation (created here if missing), sent in the run's transaction under exactly-once.
 */
export async function repartitionTopics(
  kafka: KafkaClients | undefined,
  state: StatePlacement,
  plan: Plan,
  config: SluiceConfig,
  sender: ForwardSender | undefined,
  log: Logger,
): Promise<RepartitionTopics | undefined> {
  if (!kafka || !state.layout) return undefined;
  const repartition = new RepartitionTopics({
    admin: kafka.admin,
    sender: sender ?? kafka.producer,
    groupId: config.groupId,
    nodes: [...plan.keyedStates, ...state.exchanged],
    partitions: state.layout.partitions,
    retry: kafkaRetry(config, log),
  });
  await repartition.ensure();
  return repartition;
}

export type KafkaSourceOptions = {
  readonly kafka: KafkaClients;
  readonly config: SluiceConfig;
  readonly log: Logger;
  /** Told the partitions the source loses, so that they forget them. */
  readonly slots: Slots;
  /** Restores the partitions assigned together and says where to read each from. */
  readonly restore?: (partitions: readonly AssignedPartition[]) => Promise<readonly (bigint | undefined)[]>;
  /** The state operations' repartition topics, subscribed with co-partitioned assignment. */
  readonly repartition?: RepartitionTopics;
  /** The job has `window()`s, whose records are this instance's partitions' only. */
  readonly recordWindows: boolean;
  /** Topics the job reads as tables. */
  readonly tableTopics: readonly string[];
  /** The job joins two inputs: partition q of every topic goes to one instance. */
  readonly coPartitioned?: boolean;
};

/** Creates and starts the direct source: it joins the group. A failed start closes the slots. */
export async function startKafkaSource(options: KafkaSourceOptions): Promise<AppSource> {
  const { kafka, config, slots, restore, repartition } = options;
  try {
    const source = new DirectSource({
      kafka: kafka.client,
      admin: kafka.admin,
      config,
      log: options.log,
      bounded: config.trigger === 'available-now',
      onRevoked: (topic, partition) => slots.release(topic, partition),
      ...(restore ? { restore } : {}),
      ...(repartition ? { repartitionTopics: [...repartition.topics.keys()] } : {}),
      ...(options.tableTopics.length > 0 ? { tableTopics: options.tableTopics } : {}),
      ...(options.recordWindows ? { recordWindows: true } : {}),
      ...(options.coPartitioned ? { coPartitioned: true } : {}),
    });
    await source.start();
    return source;
  } catch (error) {
    await slots.close();
    throw error;
  }
}
