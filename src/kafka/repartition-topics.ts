// Repartition topics: created with the input's partition count, written with a batch's forwards.

import type { Admin, Message, ProducerRecord } from 'kafkajs';
import { encodeForward, encodeWindowMessage, type Forward, repartitionTopic } from '../coordinator/index.ts';
import { keyText } from '../core/index.ts';
import type { KeyedStateNode, WindowAggregateNode } from '../dsl/index.ts';
import { ErrorCode, SluiceError } from '../errors/index.ts';
import { type KafkaRetryOptions, retryingKafka } from './retry.ts';

/** Where forwards are written: the producer (at-least-once) or the run's open transaction. */
export type ForwardSender = { send(record: ProducerRecord): Promise<unknown> };

export type RepartitionTopicsOptions = {
  readonly admin: Admin;
  readonly sender: ForwardSender;
  readonly groupId: string;
  /** The state operations, and the window aggregations that run across instances. */
  readonly nodes: readonly (KeyedStateNode | WindowAggregateNode)[];
  /** The state partition count: every repartition topic has this many partitions. */
  readonly partitions: number;
  /** Creating them is asked again while the brokers answer with an error a retry can mend. */
  readonly retry?: KafkaRetryOptions;
};

/**
 * The repartition topics of a job's state operations, one per operation, partitioned by state
 * partition: a key's values reach the instance owning its state partition through partition q
 * of its topic, which the co-partitioned assigner gives to the owner of input partition q.
 */
export class RepartitionTopics {
  /** Topic name → state operation (node id). */
  readonly topics: ReadonlyMap<string, number>;
  readonly #options: RepartitionTopicsOptions;
  readonly #byNode: ReadonlyMap<number, string>;

  constructor(options: RepartitionTopicsOptions) {
    this.#options = options;
    const names = options.nodes.map((node): [number, string] => [
      node.id,
      repartitionTopic(options.groupId, node),
    ]);
    this.#byNode = new Map(names);
    this.topics = new Map(names.map(([node, topic]) => [topic, node]));
  }

  /**
   * Creates the topics that are missing; one with another partition count stops the start. A
   * broker that does not know a new topic's leader yet (under load) is asked again within the
   * retry budget; the second ask then finds the topics there.
   */
  async ensure(): Promise<void> {
    const { admin, partitions, retry } = this.#options;
    const topics = [...this.topics.keys()];
    const create = () =>
      admin.createTopics({
        waitForLeaders: true,
        topics: topics.map((topic) => ({ topic, numPartitions: partitions })),
      });
    try {
      await (retry
        ? retryingKafka(`creating the repartition topics ${topics.join(', ')}`, create, retry)
        : create());
    } catch (error) {
      // Created by another instance meanwhile: what counts is its partition count, checked next.
      if ((error as { type?: unknown }).type !== 'TOPIC_ALREADY_EXISTS') {
        throw new SluiceError(
          ErrorCode.repartition,
          `cannot create the repartition topics ${topics.join(', ')}: ${reason(error)}`,
          {
            cause: error,
          },
        );
      }
    }
    const metadata = await admin.fetchTopicMetadata({ topics });
    const wrong = metadata.topics.filter((topic) => topic.partitions.length !== partitions);
    if (wrong.length > 0) {
      throw new SluiceError(
        ErrorCode.repartition,
        `repartition topics need ${partitions} partitions, one per state partition (the input topic's count); ${wrong.map((topic) => `${topic.name} has ${topic.partitions.length}`).join(', ')}: delete it or give the job a new SLUICE_GROUP_ID`,
      );
    }
  }

  /** Writes a batch's forwards, one record per key, to their state partition's partition. */
  async write(forwards: readonly Forward[]): Promise<void> {
    if (forwards.length === 0) return;
    const byTopic = new Map<string, Message[]>();
    for (const forward of forwards) {
      const topic = this.#byNode.get(forward.node);
      if (topic === undefined) {
        throw new SluiceError(ErrorCode.repartition, `operation ${forward.node} has no repartition topic`);
      }
      const bytes =
        'message' in forward
          ? encodeWindowMessage(forward.message)
          : encodeForward(forward.key, forward.values);
      const messages = byTopic.get(topic) ?? [];
      // In order: a window's progress record follows the partials it vouches for.
      messages.push({
        key: 'message' in forward ? null : keyText(forward.key),
        value: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
        partition: forward.partition,
      });
      byTopic.set(topic, messages);
    }
    for (const [topic, messages] of byTopic) {
      try {
        await this.#options.sender.send({ topic, acks: -1, messages });
      } catch (error) {
        if (error instanceof SluiceError) throw error;
        throw new SluiceError(
          ErrorCode.repartition,
          `cannot write ${messages.length} forwarded keys to ${topic}: ${reason(error)}`,
          {
            cause: error,
          },
        );
      }
    }
  }
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
