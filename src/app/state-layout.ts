// Where keyed state and cross-instance window aggregations live: the state partitions, over the slots.
import type { Admin } from 'kafkajs';
import type { SluiceConfig } from '../config/index.ts';
import { SlotKeyedState, Slots, WindowExchange } from '../coordinator/index.ts';
import type { Logger } from '../core/index.ts';
import type { Plan, WindowAggregateNode } from '../dsl/index.ts';
import { ErrorCode, SluiceError } from '../errors/index.ts';
import type { StateLayout, WorkerInit } from '../task/index.ts';
import { GENERATOR_TOPIC, StatePartitions } from '../task/index.ts';

/** The worker slots, and the state partitions of the job's keyed state and exchanged windows, if any. */
export type StatePlacement = {
  readonly slots: Slots;
  /** Set when the job has keyed state or window aggregations exchanged across instances. */
  readonly layout?: StateLayout;
  readonly keyed?: SlotKeyedState;
  readonly exchange?: WindowExchange;
  /** The window aggregations that merge across instances: on Kafka, all of them. */
  readonly exchanged: readonly WindowAggregateNode[];
};

/**
 * Starts the worker slots. On Kafka (`admin` given), window aggregations merge across instances by
 * the state partition of their keys; keyed state lives in the slots, grouped by state partition.
 */
export async function placeState(
  plan: Plan,
  init: WorkerInit,
  config: SluiceConfig,
  admin: Admin | undefined,
  log: Logger,
): Promise<StatePlacement> {
  const exchanged = admin ? plan.windowAggregates : [];
  const keyedState = plan.keyedStates.length > 0;
  const layout = keyedState || exchanged.length > 0 ? await stateLayout(config, admin) : undefined;
  // The slots split their groups, and name their window pairs' state partitions, so that the main
  // thread passes them on without hashing a key.
  const slots = new Slots(config.workers, layout ? { ...init, statePartitions: layout.partitions } : init);
  return {
    slots,
    exchanged,
    ...(layout ? { layout } : {}),
    ...(layout && keyedState ? { keyed: new SlotKeyedState(new StatePartitions(layout, log), slots) } : {}),
    ...(layout && exchanged.length > 0 ? { exchange: new WindowExchange(layout) } : {}),
  };
}

/**
 * The state partitions of keyed state: as many as the input topic has partitions, numbered as
 * its partitions. With several input topics, they must agree on the count; state partition q is
 * kept with partition q of the first topic by name.
 */
export async function stateLayout(
  config: SluiceConfig,
  admin: Admin | undefined,
  need = 'keyed state',
): Promise<StateLayout> {
  if (!admin) return { topic: GENERATOR_TOPIC, partitions: config.generatorPartitions };
  const { topics } = config;
  if (!topics)
    throw new SluiceError(ErrorCode.configInvalid, 'SLUICE_TOPICS is required with SLUICE_BROKERS');
  const names =
    topics.type === 'list'
      ? [...topics.topics]
      : (await admin.listTopics()).filter((name) => topics.pattern.test(name));
  if (names.length === 0) {
    throw new SluiceError(
      ErrorCode.configInvalid,
      `${need} needs the input topics' partition count, and SLUICE_TOPICS (${String(topics.type === 'list' ? topics.topics : topics.pattern)}) names no existing topic`,
    );
  }
  let metadata: Awaited<ReturnType<Admin['fetchTopicMetadata']>>;
  try {
    metadata = await admin.fetchTopicMetadata({ topics: names });
  } catch (error) {
    throw new SluiceError(
      ErrorCode.kafka,
      `cannot read the partition count of ${names.join(', ')} for keyed state: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  const counts = metadata.topics
    .map((topic) => ({ topic: topic.name, partitions: topic.partitions.length }))
    .sort((a, b) => a.topic.localeCompare(b.topic));
  const [first] = counts;
  if (!first) throw new SluiceError(ErrorCode.kafka, `no metadata for ${names.join(', ')}`);
  if (counts.some((count) => count.partitions !== first.partitions)) {
    throw new SluiceError(
      ErrorCode.configInvalid,
      `${need} needs input topics with one partition count (partition q of each goes to one instance); got ${counts.map((count) => `${count.topic}: ${count.partitions}`).join(', ')}`,
    );
  }
  return first;
}
