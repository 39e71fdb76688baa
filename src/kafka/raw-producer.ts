// Record batches written by the slots, produced as they are: Produce requests to each partition's leader, no record decoded.
import { partitionName } from '../core/index.ts';
import { ErrorCode, SluiceError } from '../errors/index.ts';
import type { KafkaBatch } from '../task/index.ts';
import { type KafkaCluster, kafkaError } from './consumer/kafka-cluster.ts';

export type RawProducerOptions = {
  /** Most bytes of record batches one request carries over all its partitions (at least one batch). */
  readonly maxRequestBytes: number;
  /** How long a broker may take to have every in-sync replica write (acks=all). */
  readonly timeoutMs?: number;
};

const ALL_REPLICAS = -1;
const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * Produces record batches (one output's, each with its partition) through a cluster's broker
 * connections, as kafkajs's producer would after encoding them, minus the encoding: a partition's
 * batches go in order, one per request, each leader's requests one after another. A partition
 * the broker answers with an error fails the send: a retriable error (a moved leader, a timeout)
 * after the metadata is looked up again, for the output's retry to send everything again
 * (at-least-once); any other as `SLUICE_SINK_REJECTED`, which is not retried.
 */
export class RawProducer {
  readonly #cluster: KafkaCluster;
  readonly #options: RawProducerOptions;
  readonly #known = new Set<string>();

  constructor(cluster: KafkaCluster, options: RawProducerOptions) {
    this.#cluster = cluster;
    this.#options = options;
  }

  async send(topic: string, batches: readonly KafkaBatch[]): Promise<void> {
    if (batches.length === 0) return;
    const queues = new Map<number, Uint8Array[]>();
    for (const [partition, batch] of batches) {
      const queue = queues.get(partition);
      if (queue) queue.push(batch);
      else queues.set(partition, [batch]);
    }
    if (!this.#known.has(topic)) await this.#refresh(topic);
    const leaders = this.#cluster.leaders(topic, [...queues.keys()]);
    const led = new Set(Object.values(leaders).flat());
    const leaderless = [...queues.keys()].filter((partition) => !led.has(partition));
    if (leaderless.length > 0) {
      await this.#refresh(topic);
      throw new SluiceError(
        ErrorCode.sink,
        `no leader is known for ${leaderless.map((partition) => partitionName(topic, partition)).join(', ')}`,
      );
    }
    await Promise.all(
      Object.entries(leaders).map(([nodeId, partitions]) =>
        this.#sendTo(
          nodeId,
          topic,
          partitions.map((partition): [number, Uint8Array[]] => [partition, queues.get(partition) ?? []]),
        ),
      ),
    );
  }

  /** One leader's partitions: requests of the next batch of each, within the request size. */
  async #sendTo(nodeId: string, topic: string, queues: [number, Uint8Array[]][]): Promise<void> {
    let round = 0;
    const next = new Map(queues.map(([partition]) => [partition, 0]));
    for (;;) {
      const request: [number, Uint8Array][] = [];
      let bytes = 0;
      for (const [partition, queue] of queues) {
        const at = next.get(partition) ?? 0;
        const batch = queue[at];
        if (!batch || (request.length > 0 && bytes + batch.length > this.#options.maxRequestBytes)) continue;
        request.push([partition, batch]);
        next.set(partition, at + 1);
        bytes += batch.length;
      }
      if (request.length === 0) return;
      round++;
      const response = await this.#cluster.produce(nodeId, {
        topic,
        acks: ALL_REPLICAS,
        timeoutMs: this.#options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        partitions: request,
      });
      await this.#check(topic, response, round);
    }
  }

  async #check(
    topic: string,
    response: readonly { readonly partition: number; readonly errorCode: number }[],
    round: number,
  ): Promise<void> {
    const failed = response.find((entry) => entry.errorCode !== 0);
    if (!failed) return;
    const { name, retriable } = kafkaError(failed.errorCode);
    const where = `${partitionName(topic, failed.partition)} (request ${round} to its leader)`;
    if (!retriable) {
      throw new SluiceError(ErrorCode.sinkRejected, `the broker refused the records for ${where}: ${name}`);
    }
    await this.#refresh(topic);
    throw new SluiceError(ErrorCode.sink, `producing to ${where} failed: ${name}`);
  }

  async #refresh(topic: string): Promise<void> {
    this.#known.add(topic);
    await this.#cluster.refreshMetadata([...this.#known]);
  }

  disconnect(): Promise<void> {
    return this.#cluster.disconnect();
  }
}
