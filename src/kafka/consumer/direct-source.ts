/** The Kafka batch source: the consumer's parts (membership, buffers, cutting, commits) behind BatchSource. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin, Consumer, Kafka } from 'kafkajs';
import { type BatchBudget, UNLIMITED } from '../../backpressure/index.ts';
import type { SluiceConfig } from '../../config/index.ts';
import type { BatchSource, BufferedPartition, PartitionWork } from '../../coordinator/index.ts';
import { DataSignal } from '../../coordinator/index.ts';
import { type Logger, type Offset, type OffsetRange, partitionId, toOffset } from '../../core/index.ts';
import { ErrorCode, isSluiceError, SluiceError } from '../../errors/index.ts';
import { kafkaErrorType, kafkaRetry } from '../retry.ts';
import { BatchCutter } from './batch-cutter.ts';
import { FetchBuffers } from './fetch-buffer.ts';
import { GroupMembership, groupConsumer } from './group-membership.ts';
import { kafkaCluster } from './kafka-cluster.ts';
import { OffsetCommits } from './offset-commits.ts';
import { RawFetcher } from './raw-fetcher.ts';
import { type Restore, StartPositions } from './start-positions.ts';

export type DirectSourceOptions = {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly config: SluiceConfig;
  readonly log: Logger;
  /** Ends once every assigned partition reached its end offset as of the first assignment. */
  readonly bounded: boolean;
  /** Called when partitions leave this instance, so their slots can forget them. */
  readonly onRevoked?: (topic: string, partition: number) => void;
  /**
   * The repartition topics of the job's state operations: subscribed too, with the co-partitioned
   * assigner, so that partition q of every topic goes to one instance.
   */
  readonly repartitionTopics?: readonly string[];
  /** Topics read as tables (`ctx.table`): from their log start unless a checkpoint restores them. */
  readonly tableTopics?: readonly string[];
  /** With the co-partitioned assigner even without repartition topics (the job joins two inputs). */
  readonly coPartitioned?: boolean;
  /**
   * The job has `window()`s, whose records are this instance's partitions' only: owning only some
   * partitions is said, since an aggregation after one gets partial results.
   */
  readonly recordWindows?: boolean;
  /**
   * Restores the state of partitions assigned together before they are read, and returns where
   * to read each from (undefined: as configured). Given the group's committed offsets, if any.
   */
  readonly restore?: Restore;
};

const WAIT_FOR_DATA_MS = 20;
/** How long close() waits for commits in flight, so a broker that is away cannot hold the exit. */
const CLOSE_COMMIT_WAIT_MS = 5000;

/** A pause before looking again: for records, a restore, a rebalance. */
function idle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, WAIT_FOR_DATA_MS));
}

/**
 * Spark's direct stream: Sluice owns the offsets and fetches itself. kafkajs's consumer keeps the
 * group membership and the commits (every partition paused in it: it fetches nothing); the raw
 * fetcher fetches the record batches, the engine cuts each batch from them as offset ranges per
 * partition, the slots read the records, and a range is committed only after the batch's outputs
 * succeeded, and only while the partition is still assigned here.
 */
export class DirectSource implements BatchSource {
  readonly name = 'kafka';
  readonly #options: DirectSourceOptions;
  readonly #consumer: Consumer;
  readonly #membership: GroupMembership;
  readonly #buffers: FetchBuffers;
  readonly #cutter: BatchCutter;
  readonly #commits: OffsetCommits;
  readonly #starts: StartPositions;
  readonly #fetcher: RawFetcher;
  readonly #joined: Promise<void>;
  #crash: Error | undefined;
  /**
   * An assignment's new partitions are being restored. No batch is cut meanwhile, also not of the
   * partitions kept: a batch could change a state partition whose restore then replaces it.
   */
  #restoring = false;
  /** Wakes a continuous run waiting for records (waitForData). */
  readonly #arrivals = new DataSignal();

  constructor(options: DirectSourceOptions) {
    this.#options = options;
    const { config, log } = options;
    const retry = kafkaRetry(config, log);
    const consumer = groupConsumer(
      options.kafka,
      config,
      options.repartitionTopics !== undefined || options.coPartitioned === true,
    );
    this.#consumer = consumer;
    const fail = (error: unknown): void => this.#fail(error);
    const { groupId, sessionTimeoutMs } = config;
    const membership = new GroupMembership({ groupId, sessionTimeoutMs, retry, log, fail });
    this.#membership = membership;
    const buffers = new FetchBuffers(config);
    this.#buffers = buffers;
    this.#cutter = new BatchCutter(buffers, config);
    const commits = new OffsetCommits({ consumer, groupId, retry, log, buffers, membership });
    this.#commits = commits;
    this.#starts = new StartPositions({ ...options, retry, buffers, membership, commits, fail });
    this.#fetcher = new RawFetcher({
      cluster: () => kafkaCluster(options.kafka),
      admin: options.admin,
      buffers,
      config,
      retry,
      log,
      fetching: ({ topic, partition }) =>
        membership.phase === 'running' && membership.owns(partitionId(topic, partition)),
      arrived: () => this.#arrivals.notify(),
      answered: () => membership.contact(),
      fail,
    });
    this.#joined = membership.follow(consumer, {
      assign: (assignment) => this.#onAssignment(assignment),
      committed: () => commits.acked(),
    });
    // kafkajs fetches nothing: its consumer only keeps the membership. Paused as the assignment
    // arrives, before its runner's first fetch (the event comes synchronously before it).
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      consumer.pause(Object.keys(event.payload.memberAssignment).map((topic) => ({ topic })));
    });
  }

  async start(): Promise<void> {
    const { topics, startingOffsets } = this.#options.config;
    if (!topics)
      throw new SluiceError(ErrorCode.configInvalid, 'SLUICE_TOPICS is required with SLUICE_BROKERS');
    try {
      await this.#consumer.connect();
      const repartition = this.#options.repartitionTopics ?? [];
      const subscription =
        topics.type === 'list'
          ? { topics: [...topics.topics, ...repartition] }
          : { topics: [topics.pattern, ...repartition] };
      await this.#consumer.subscribe({ ...subscription, fromBeginning: startingOffsets !== 'latest' });
      await this.#consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        // Never called: every assigned topic is paused in kafkajs (see the GROUP_JOIN listener).
        eachBatch: async () => {},
      });
      this.#fetcher.start();
    } catch (error) {
      // A consumer left connected would keep the process alive after the failed start.
      await this.#consumer.disconnect().catch(() => {});
      const unknownTopic = kafkaErrorType(error) === 'UNKNOWN_TOPIC_OR_PARTITION';
      const names = topics.type === 'list' ? topics.topics.join(', ') : String(topics.pattern);
      const reason = error instanceof Error ? error.message : String(error);
      throw new SluiceError(
        ErrorCode.kafka,
        unknownTopic
          ? `SLUICE_TOPICS names a topic that does not exist: ${names}`
          : `cannot start the Kafka consumer of group ${this.#options.config.groupId}: ${reason}`,
        { cause: error },
      );
    }
  }

  async next(budget: BatchBudget = UNLIMITED): Promise<PartitionWork[] | 'end'> {
    await this.#joined;
    for (;;) {
      if (this.#crash) throw this.#crash;
      this.#checkContact();
      const interrupted = this.#buffers.stopped;
      if (this.#restoring) {
        if (interrupted) return [];
        await idle();
        continue;
      }
      if (this.#membership.phase !== 'running' && !interrupted) {
        // Before the revocation checkpoint, the batch in flight ends with what it has; after it,
        // no batch runs until the next assignment (it would change state the checkpoint left).
        if (this.#membership.revocationPending()) return [];
        await idle();
        continue;
      }
      const work = this.#cutter.cut(budget);
      if (!this.#options.bounded || interrupted) return work;
      if (work.length > 0) return work;
      if (this.#buffers.drained((id) => this.#membership.owns(id))) return 'end';
      await idle();
    }
  }

  /** Resolves once fetched records wait for a batch, after `timeoutMs`, or on a crash or abort. */
  waitForData(timeoutMs: number, signal: AbortSignal): Promise<void> {
    return this.#arrivals.wait(timeoutMs, signal, this.waiting() > 0 || this.#crash !== undefined);
  }

  buffered(): BufferedPartition[] {
    return this.#buffers.buffered();
  }

  /** Records fetched and not yet in a batch, that a batch can take (available-now: below its end). */
  waiting(): number {
    return this.#buffers.waiting();
  }

  /**
   * The engine is draining: stop waiting for data, and stop fetching, so the batch in flight is
   * the last one and nothing more is fetched only to be dropped.
   */
  interrupt(): void {
    this.#buffers.stop(this.#options.log);
  }

  /**
   * The engine calls this once it runs: `handler` finishes the batch in flight, checkpoints what
   * this instance owns and commits it, before the group's rebalance goes on.
   */
  onRevoking(handler: () => Promise<void>): void {
    this.#membership.onRevoking(handler);
  }

  /**
   * Commits the ranges' ends. While the consumer rejoins (a rebalance, a crash kafkajs restarts)
   * they are kept, and committed once the same buffer is assigned again: the partition never left.
   */
  async commit(ranges: readonly OffsetRange[]): Promise<void> {
    this.#commits.record(ranges);
    await this.#commits.flush();
  }

  /**
   * Why no batch can be cut now: fetching fails (brokers away: said first, since losing the
   * brokers also makes the group rejoin), or the consumer is rejoining (a rebalance, a crash).
   */
  unavailable(): string | undefined {
    const failing = this.#fetcher.failing();
    if (failing) {
      return `the Kafka brokers have not answered the fetches of group ${this.#options.config.groupId} for ${Date.now() - failing.since} ms: ${failing.reason}`;
    }
    return this.#membership.unavailable();
  }

  /** Leaves the group (kafkajs sends LeaveGroup on disconnect), so its partitions move at once. */
  async close(): Promise<void> {
    // A commit not awaited where it started (a restored checkpoint's) lands before the consumer
    // goes. The wait's timer is unref'd: left running, it would hold the process after the run.
    await Promise.race([this.#commits.settled, sleep(CLOSE_COMMIT_WAIT_MS, undefined, { ref: false })]);
    await this.#fetcher.stop();
    await this.#consumer.disconnect();
    this.#options.log.info({ groupId: this.#options.config.groupId }, 'left the consumer group');
  }

  /** The partitions assigned to this instance now. */
  owned(): { topic: string; partition: number }[] {
    return this.#buffers.all().map(({ topic, partition }) => ({ topic, partition }));
  }

  position(topic: string, partition: number): Offset | undefined {
    const position = this.#buffers.get(partitionId(topic, partition))?.position;
    return position === undefined ? undefined : toOffset(position);
  }

  /** Per-partition positions (next offset to process), for tests and the lag view. */
  positions(): Map<string, bigint | undefined> {
    return this.#buffers.positions();
  }

  /** Resolves once the first assignment is done: its partitions are restored and positioned. */
  async ready(): Promise<void> {
    await this.#joined;
    if (this.#crash) throw this.#crash;
  }

  async replay(ranges: readonly OffsetRange[]): Promise<PartitionWork[] | undefined> {
    await this.#joined;
    const work: PartitionWork[] = [];
    if (this.#membership.phase !== 'running') return undefined;
    for (const range of ranges) {
      const buffer = this.#buffers.get(partitionId(range.topic, range.partition));
      if (!buffer) continue;
      if (buffer.position !== range.fromOffset) return undefined;
      // Wait until the range's last offset (or one past it, where compaction removed it) is here.
      const until = range.untilOffset;
      buffer.replayUntil = until;
      this.#buffers.resumeIfRoom(buffer);
      try {
        while ((buffer.fetchAt ?? 0n) < until) {
          if (this.#crash) throw this.#crash;
          this.#checkContact();
          if (this.#buffers.stopped || this.#membership.phase !== 'running') return undefined;
          await idle();
        }
      } finally {
        buffer.replayUntil = undefined;
      }
      work.push(this.#cutter.replayed(buffer, until));
    }
    return work;
  }

  async #onAssignment(assignment: Record<string, number[]>): Promise<void> {
    this.#restoring = true;
    try {
      this.#membership.rejoined();
      const { owned, fresh } = this.#buffers.reassign(assignment, this.#options.onRevoked);
      this.#membership.own(owned);
      this.#options.log.info({ assigned: this.#membership.ownedNames() }, 'partitions assigned');
      // Offsets kept while rejoining, of partitions assigned here again; not awaited: kafkajs's
      // runner starts only after this event, and commits wait for it.
      if (this.#commits.pending) this.#commits.flush().catch((error: unknown) => this.#fail(error));
      await this.#starts.position(fresh);
    } finally {
      this.#restoring = false;
    }
  }

  /** Throws SLUICE_KAFKA_UNAVAILABLE once the brokers have not answered for the whole retry budget. */
  #checkContact(): void {
    const lost = this.#membership.lostContact();
    if (!lost) return;
    this.#fail(lost);
    if (this.#crash) throw this.#crash;
  }

  #fail(error: unknown): void {
    // Keep the first cause: a crash during an assignment is followed by follow-on errors.
    if (this.#crash) return;
    // A run waiting for records learns of the crash from next().
    queueMicrotask(() => this.#arrivals.notify());
    if (isSluiceError(error, ErrorCode.kafkaUnavailable)) {
      this.#crash = error;
      return;
    }
    this.#crash = new SluiceError(
      ErrorCode.kafka,
      `the Kafka consumer of group ${this.#options.config.groupId} stopped: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}
