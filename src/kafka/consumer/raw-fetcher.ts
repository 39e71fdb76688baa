/** The raw fetch loop: Fetch requests to the partitions' leaders, record sets framed into the fetch buffers. */
import type { Admin } from 'kafkajs';
import type { SluiceConfig } from '../../config/index.ts';
import { type Logger, partitionId, partitionName } from '../../core/index.ts';
import { ErrorCode, errorText, SluiceError } from '../../errors/index.ts';
import { type KafkaRetryOptions, retryingKafka } from '../retry.ts';
import type { FetchBuffers, PartitionBuffer } from './fetch-buffer.ts';
import type { FetchedPartition } from './fetch-response.ts';
import { type KafkaCluster, kafkaError } from './kafka-cluster.ts';
import { frameRecords } from './record-sets.ts';

/** Kafka's READ_COMMITTED: aborted transactions are left out (consumers of exactly-once outputs). */
const READ_COMMITTED = 1;
const CONSUMER_REPLICA_ID = -1;
const NONE = 0;
const OFFSET_OUT_OF_RANGE = 1;
/** Errors after which the partition's leader is looked up again (Kafka's consumer does the same). */
const REFRESH_METADATA = new Set([
  'NOT_LEADER_OR_FOLLOWER',
  'FENCED_LEADER_EPOCH',
  'UNKNOWN_LEADER_EPOCH',
  'LEADER_NOT_AVAILABLE',
  'UNKNOWN_TOPIC_OR_PARTITION',
  'UNKNOWN_TOPIC_ID',
  'KAFKA_STORAGE_ERROR',
  'REPLICA_NOT_AVAILABLE',
  'OFFSET_NOT_AVAILABLE',
]);
/** How long the loop waits when nothing can be fetched, or after a failed round. */
const IDLE_MS = 50;
const BACKOFF_MS = 200;

export type RawFetcherOptions = {
  /** Made when fetching starts (connecting is the cluster's first step). */
  readonly cluster: () => KafkaCluster;
  readonly admin: Admin;
  readonly buffers: FetchBuffers;
  readonly config: SluiceConfig;
  readonly retry: KafkaRetryOptions;
  readonly log: Logger;
  /** May the partition be fetched: owned by this instance and not being restored. */
  readonly fetching: (buffer: PartitionBuffer) => boolean;
  /** Records arrived. */
  readonly arrived: () => void;
  /** A broker answered a fetch. */
  readonly answered: () => void;
  /** Stops the source: an error that retrying cannot mend. */
  readonly fail: (error: unknown) => void;
};

type Requested = { readonly buffer: PartitionBuffer; readonly epoch: number; readonly fetchAt: bigint };

/**
 * Spark's direct stream fetches itself what each batch reads; so does this loop. It sends one
 * Fetch (v11, read_committed) at a time to each leader of the partitions to fetch, and per
 * response frames every partition's record set into its batches — base offset, last offset,
 * count and attributes per batch, no record decoded — into the fetch buffers. Partitions take
 * turns being first in a request, so a batch larger than the limits reaches each (KIP-74).
 */
export class RawFetcher {
  readonly #options: RawFetcherOptions;
  #running = false;
  #loop: Promise<void> | undefined;
  #cluster: KafkaCluster | undefined;
  #metadataStale = true;
  #turn = 0;
  #wake: (() => void) | undefined;
  /** Since when fetching has failed, and why (undefined once a round succeeds). */
  #failing: { readonly since: number; readonly reason: string } | undefined;
  /** Partitions not fetched: their position is looked up (OFFSET_OUT_OF_RANGE), or they failed for good. */
  readonly #held = new Set<PartitionBuffer>();

  constructor(options: RawFetcherOptions) {
    this.#options = options;
    options.buffers.onWake(() => this.#wake?.());
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    const cluster = this.#options.cluster();
    this.#cluster = cluster;
    this.#loop = this.#run(cluster);
  }

  async stop(): Promise<void> {
    this.#running = false;
    this.#wake?.();
    await this.#loop;
    await this.#cluster?.disconnect().catch(() => {});
  }

  async #run(cluster: KafkaCluster): Promise<void> {
    const { log } = this.#options;
    let failures = 0;
    while (this.#running) {
      const partitions = this.#options.buffers
        .fetchable()
        .filter((buffer) => this.#options.fetching(buffer) && !this.#held.has(buffer));
      if (partitions.length === 0) {
        await this.#idle(IDLE_MS);
        continue;
      }
      try {
        if (this.#metadataStale) {
          await cluster.refreshMetadata([...new Set(partitions.map((buffer) => buffer.topic))]);
          this.#metadataStale = false;
        }
        const byLeader = this.#byLeader(cluster, partitions);
        await Promise.all([...byLeader].map(([nodeId, list]) => this.#fetchFrom(cluster, nodeId, list)));
        failures = 0;
        this.#failing = undefined;
        this.#options.answered();
      } catch (error) {
        this.#metadataStale = true;
        failures++;
        this.#failing ??= { since: Date.now(), reason: errorText(error) };
        // One line per outage, not per retry: the consumer's own contact check says when it is too long.
        if (failures === 1) log.warn({ error: errorText(error) }, 'fetching failed; retrying');
        await this.#idle(BACKOFF_MS);
      }
    }
  }

  /** Since when fetching has failed and why, while it does (its last round failed). */
  failing(): { readonly since: number; readonly reason: string } | undefined {
    return this.#failing;
  }

  /** Waits `ms`, or less when a partition becomes fetchable. */
  #idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const wake = this;
      function done(): void {
        clearTimeout(timer);
        wake.#wake = undefined;
        resolve();
      }
      this.#wake = done;
    });
  }

  #byLeader(cluster: KafkaCluster, partitions: readonly PartitionBuffer[]): Map<string, PartitionBuffer[]> {
    const byLeader = new Map<string, PartitionBuffer[]>();
    for (const topic of new Set(partitions.map((buffer) => buffer.topic))) {
      const ofTopic = partitions.filter((buffer) => buffer.topic === topic);
      const leaders = cluster.leaders(
        topic,
        ofTopic.map((buffer) => buffer.partition),
      );
      let led = 0;
      for (const [nodeId, numbers] of Object.entries(leaders)) {
        const list = byLeader.get(nodeId) ?? [];
        for (const buffer of ofTopic) if (numbers.includes(buffer.partition)) list.push(buffer);
        led += numbers.length;
        byLeader.set(nodeId, list);
      }
      if (led < ofTopic.length) this.#metadataStale = true;
    }
    return byLeader;
  }

  async #fetchFrom(
    cluster: KafkaCluster,
    nodeId: string,
    partitions: readonly PartitionBuffer[],
  ): Promise<void> {
    const { config } = this.#options;
    const ordered = this.#order(partitions);
    const requested = ordered.map((buffer) => ({
      buffer,
      epoch: buffer.epoch,
      fetchAt: buffer.fetchAt ?? 0n,
      askedFor: buffer.oversize,
    }));
    const partitionMax = Math.min(config.maxPartitionFetchBytes, config.maxBufferedBytesPerPartition);
    const oversize = ordered.reduce((most, buffer) => Math.max(most, buffer.oversize ?? 0), 0);
    const byTopic = new Map<string, { partition: number; fetchOffset: string; maxBytes: number }[]>();
    for (const { buffer, fetchAt } of requested) {
      const list = byTopic.get(buffer.topic) ?? [];
      list.push({
        partition: buffer.partition,
        fetchOffset: fetchAt.toString(),
        maxBytes: Math.max(partitionMax, buffer.oversize ?? 0),
      });
      byTopic.set(buffer.topic, list);
    }
    const response = await cluster.fetch(nodeId, {
      replicaId: CONSUMER_REPLICA_ID,
      maxWaitTime: Math.min(500, config.batchIntervalMs),
      minBytes: 1,
      maxBytes: Math.max(config.fetchMaxBytes, oversize),
      isolationLevel: READ_COMMITTED,
      topics: [...byTopic].map(([topic, list]) => ({ topic, partitions: list })),
    });
    if (response.errorCode !== NONE) {
      throw new SluiceError(
        ErrorCode.kafka,
        `Fetch from broker ${nodeId} failed: ${kafkaError(response.errorCode).name}`,
      );
    }
    for (const fetched of response.partitions) {
      const entry = requested.find(
        ({ buffer }) => buffer.topic === fetched.topic && buffer.partition === fetched.partition,
      );
      // Repositioned or revoked while the fetch was under way: what it brought is not wanted.
      if (!entry || !this.#current(entry)) continue;
      // Asked for first with room for its first batch: KIP-74 has the broker send that batch whole.
      const roomy = entry === requested[0] && entry.askedFor !== undefined;
      await this.#take(entry.buffer, fetched, entry.fetchAt, roomy ? entry.askedFor : undefined);
    }
  }

  /** Oversize batches' partitions first, then the rest in turns: each partition is sometimes first. */
  #order(partitions: readonly PartitionBuffer[]): PartitionBuffer[] {
    const turn = this.#turn++ % partitions.length;
    const rotated = [...partitions.slice(turn), ...partitions.slice(0, turn)];
    return [
      ...rotated.filter((buffer) => buffer.oversize !== undefined),
      ...rotated.filter((buffer) => buffer.oversize === undefined),
    ];
  }

  #current({ buffer, epoch, fetchAt }: Requested): boolean {
    const { buffers } = this.#options;
    return (
      buffers.get(partitionId(buffer.topic, buffer.partition)) === buffer &&
      buffer.epoch === epoch &&
      buffer.fetchAt === fetchAt
    );
  }

  /**
   * `askedFor`: the partition was first in the request, with room for the batch size its last
   * answer declared (undefined otherwise).
   */
  async #take(
    buffer: PartitionBuffer,
    fetched: FetchedPartition,
    fetchAt: bigint,
    askedFor?: number,
  ): Promise<void> {
    const { buffers, arrived } = this.#options;
    const { errorCode } = fetched;
    if (errorCode === OFFSET_OUT_OF_RANGE) {
      await this.#outOfRange(buffer, fetchAt);
      return;
    }
    if (errorCode !== NONE) {
      const { name, retriable } = kafkaError(errorCode);
      if (REFRESH_METADATA.has(name) || retriable) {
        this.#metadataStale = true;
        return;
      }
      // Not mended by asking again (an ACL that refuses the topic, say): the run stops, naming it.
      this.#options.fail(
        new SluiceError(
          ErrorCode.kafka,
          `fetching ${partitionName(buffer.topic, buffer.partition)} failed: ${name}`,
        ),
      );
      this.#held.add(buffer);
      return;
    }
    const where = partitionName(buffer.topic, buffer.partition);
    let framed: ReturnType<typeof frameRecords>;
    try {
      framed = frameRecords(fetched.records, fetchAt, fetched.abortedTransactions, where);
    } catch (error) {
      // A damaged log: fetching it again brings the same bytes. Java's consumer stops here too.
      this.#options.fail(error);
      this.#held.add(buffer);
      return;
    }
    buffer.highWatermark = fetched.highWatermark;
    if (framed.next === undefined) {
      const { partialSize } = framed;
      if (partialSize !== undefined && askedFor !== undefined && partialSize <= askedFor) {
        // A whole batch would have come: its length field lies (a damaged log). Asking again
        // would bring the same bytes for ever; Java's consumer stops here too.
        this.#options.fail(
          new SluiceError(
            ErrorCode.decode,
            `corrupt record batch in ${where} at offset ${fetchAt}: it declares ${partialSize} bytes, but the broker sent ${fetched.records.length} when asked for it first with room for all of it (a damaged log segment)`,
          ),
        );
        this.#held.add(buffer);
        return;
      }
      buffer.oversize = partialSize;
      return;
    }
    const added = buffers.append(buffer, framed.batches, framed.next, fetched.highWatermark);
    if (added > 0) arrived();
    buffers.pauseIfFull(buffer);
  }

  /**
   * The fetch position is outside the log: retention deleted records before they were read (the
   * position moves to the log start: the next batch's range spans the gap, so it is committed
   * past), or the log was truncated below it (it moves to the log end).
   */
  async #outOfRange(buffer: PartitionBuffer, fetchAt: bigint): Promise<void> {
    const { admin, retry, log, buffers } = this.#options;
    const { topic, partition } = buffer;
    this.#held.add(buffer);
    try {
      const offsets = await retryingKafka(
        `reading the offsets of topic ${topic}`,
        () => admin.fetchTopicOffsets(topic),
        retry,
      );
      const marks = offsets.find((item) => item.partition === partition);
      if (!marks || buffer.fetchAt !== fetchAt) return;
      const low = BigInt(marks.low);
      const high = BigInt(marks.high);
      if (fetchAt < low) {
        log.warn(
          { topic, partition, from: fetchAt.toString(), to: low.toString() },
          'records deleted by retention before they were read; skipping to the log start',
        );
        buffer.fetchAt = low;
        buffer.epoch++;
      } else if (fetchAt > high) {
        log.warn(
          { topic, partition, from: fetchAt.toString(), to: high.toString() },
          'the log ends before the fetch position (truncated); going on from its end',
        );
        buffers.positionAt(buffer, high);
      }
    } catch (error) {
      this.#options.fail(error);
    } finally {
      this.#held.delete(buffer);
    }
  }
}
