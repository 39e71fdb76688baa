/** The direct source's consumer-group membership: what it owns, rebalances, crashes and contact. */
import type { Consumer, Kafka } from 'kafkajs';
import type { SluiceConfig } from '../../config/index.ts';
import { type Logger, type PartitionId, parsePartitionId, partitionName } from '../../core/index.ts';
import { ErrorCode, SluiceError } from '../../errors/index.ts';
import { coPartitionedAssigner } from '../co-partitioned-assigner.ts';
import { type KafkaRetryOptions, kafkaUnavailable } from '../retry.ts';

/**
 * How long, and over how many of kafkajs's fetch-loop retries, the group's rejoin waits for the
 * revocation checkpoint. The runner crashes (and restarts) the consumer after CONSUMER_RETRIES
 * failed retries in a row (kafkajs's default is 5: about 1.5 s of holding with NODE_ENV=test's
 * short backoff, measured): the hold gives up two retries before that.
 */
const REVOCATION_HOLD_MS = 5_000;
const CONSUMER_RETRIES = 10;
const REVOCATION_HOLD_RETRIES = CONSUMER_RETRIES - 2;

/** kafkajs's default most bytes per partition and fetch; never more than the buffer's byte cap. */
const KAFKAJS_MAX_BYTES_PER_PARTITION = 1024 * 1024;

/** The group's kafkajs consumer; `coPartitioned`: with the assigner of repartition topics. */
export function groupConsumer(kafka: Kafka, config: SluiceConfig, coPartitioned: boolean): Consumer {
  return kafka.consumer({
    groupId: config.groupId,
    allowAutoTopicCreation: false,
    sessionTimeout: config.sessionTimeoutMs,
    heartbeatInterval: Math.max(500, Math.floor(config.sessionTimeoutMs / 10)),
    retry: { retries: CONSUMER_RETRIES },
    maxWaitTimeInMs: Math.min(500, config.batchIntervalMs),
    maxBytesPerPartition: Math.min(KAFKAJS_MAX_BYTES_PER_PARTITION, config.maxBufferedBytesPerPartition),
    ...(coPartitioned ? { partitionAssigners: [coPartitionedAssigner] } : {}),
  });
}

/**
 * `running`: partitions assigned. `revoking`: the group rebalances and this instance checkpoints
 * and commits what it owns before rejoining. `rejoining`: it owns nothing until the next assignment.
 */
export type Phase = 'running' | 'revoking' | 'rejoining';

type Revocation = { readonly started: number; done: boolean; holds: number };

export type GroupMembershipOptions = {
  readonly groupId: string;
  readonly sessionTimeoutMs: number;
  readonly retry: KafkaRetryOptions;
  readonly log: Logger;
  /** Stops the source: a failed assignment or revocation. */
  readonly fail: (error: unknown) => void;
};

/**
 * This instance as a member of the consumer group: the partitions it owns, the phase of the
 * group's rebalances (holding the rejoin for the revocation checkpoint), kafkajs's crashes and
 * restarts, and when the brokers last answered.
 */
export class GroupMembership {
  readonly #options: GroupMembershipOptions;
  #phase: Phase = 'running';
  #owned = new Set<PartitionId>();
  #revocation: Revocation | undefined;
  #onRevoking: (() => Promise<void>) | undefined;
  /** Assignments one after the other, each after the revocation before it. */
  #assigning: Promise<void> = Promise.resolve();
  /** The last time the brokers answered this consumer (a fetch, a heartbeat, a join, a commit). */
  #lastContact = Date.now();
  /** When kafkajs last crashed and restarted the consumer, until it has rejoined. */
  #crashedAt: number | undefined;

  constructor(options: GroupMembershipOptions) {
    this.#options = options;
  }

  get phase(): Phase {
    return this.#phase;
  }

  /** A method, not a field test: the phase changes across the awaits around it. */
  rejoining(): boolean {
    return this.#phase === 'rejoining';
  }

  owns(id: PartitionId): boolean {
    return this.#owned.has(id);
  }

  /** The partitions owned now as Kafka names them (`topic-partition`), sorted, for logs. */
  ownedNames(): string[] {
    return [...this.#owned]
      .map((id) => {
        const { topic, partition } = parsePartitionId(id);
        return partitionName(topic, partition);
      })
      .sort();
  }

  /** The brokers answered (a heartbeat, a join, a commit, or one of Sluice's own fetches). */
  contact(): void {
    this.#lastContact = Date.now();
  }

  /** What to run (checkpoint and commit) when the group rebalances, before rejoining it. */
  onRevoking(handler: () => Promise<void>): void {
    this.#onRevoking = handler;
  }

  /**
   * Follows the consumer's group events: `assign` runs each assignment after the revocations and
   * assignments before it. Settles on the first assignment, or on a crash before it.
   */
  follow(
    consumer: Consumer,
    handlers: {
      assign(assignment: Record<string, number[]>): Promise<void>;
      /** kafkajs reported a commit the broker took. */
      committed(): void;
    },
  ): Promise<void> {
    // Settled by the first assignment, or by a crash before it (next() then throws).
    const { promise: joined, resolve: settleJoin } = Promise.withResolvers<void>();
    const contact = (): void => this.contact();
    // Not kafkajs's FETCH: with every topic paused in it, its fetch loop only sleeps, and says so
    // whether a broker answers or not. Sluice's fetcher reports its own answers.
    consumer.on(consumer.events.HEARTBEAT, contact);
    consumer.on(consumer.events.COMMIT_OFFSETS, () => {
      contact();
      handlers.committed();
    });
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      contact();
      // Settle `joined` either way: a failed assignment must surface in next(), not hang it.
      this.#serially(() => handlers.assign(event.payload.memberAssignment), settleJoin);
    });
    consumer.on(consumer.events.REBALANCING, () => this.#holdRejoin());
    consumer.on(consumer.events.CRASH, (event) => {
      if (event.payload.restart) {
        this.#crashed(event.payload.error);
        return;
      }
      this.#options.fail(event.payload.error);
      // kafkajs gives up (a non-retriable error, e.g. the group's members use another assigner):
      // before the first assignment, nothing else would ever settle the join the engine waits on.
      settleJoin();
    });
    return joined;
  }

  /** Runs `step` after the assignments and revocations before it; a failure stops the source. */
  #serially(step: () => Promise<void>, then: () => void): void {
    this.#assigning = this.#assigning
      .then(step)
      .catch((error: unknown) => this.#options.fail(error))
      .finally(then);
  }

  /**
   * kafkajs has no revocation callback: it emits REBALANCING (eager protocol: every partition is
   * given up) right before it sends JoinGroup, and the rebalance completes once every member has.
   * The first emission starts the revocation (the engine checkpoints and commits, the group still
   * in the old generation, which accepts commits while it prepares the rebalance). Until that is
   * done, this listener throws: kafkajs's runner then retries its fetch loop after a backoff,
   * whose heartbeat finds the rebalance again and emits again, so the rejoin waits for the
   * checkpoint, and the new owners restore it. Heartbeats go on meanwhile. After
   * REVOCATION_HOLD_MS it rejoins anyway (its commits are then refused or filtered out: the new
   * owner restores the last checkpoint that was durable).
   */
  #holdRejoin(): void {
    if (this.#phase === 'rejoining') return;
    if (this.#phase === 'running') {
      this.#phase = 'revoking';
      const revocation: Revocation = { started: Date.now(), done: false, holds: 0 };
      this.#revocation = revocation;
      const handler = this.#onRevoking;
      this.#options.log.info(
        { owned: this.ownedNames() },
        'group rebalancing: checkpointing before rejoining',
      );
      if (handler) {
        // An assignment still restoring finishes first: its partitions are owned and checkpointed too.
        this.#serially(handler, () => {
          revocation.done = true;
        });
      } else {
        revocation.done = true;
      }
    }
    const revocation = this.#revocation;
    if (!revocation) return;
    const waited = Date.now() - revocation.started;
    if (!revocation.done && waited < REVOCATION_HOLD_MS && revocation.holds < REVOCATION_HOLD_RETRIES) {
      revocation.holds++;
      throw new SluiceError(
        ErrorCode.kafka,
        'revocation checkpoint in progress: rejoining the group after it',
      );
    }
    if (!revocation.done) {
      this.#options.log.warn(
        { waitedMs: waited },
        'the revocation checkpoint is taking too long: rejoining the group without it',
      );
    }
    this.#release();
  }

  /** Before the revocation checkpoint the batch in flight ends with what it has; not after it. */
  revocationPending(): boolean {
    return this.#phase === 'revoking' && !this.#revocation?.done;
  }

  /**
   * kafkajs restarts a consumer whose retries ran out on a retriable error (brokers away): it
   * rejoins as a new member, so nothing is owned, run or committed until it is assigned again.
   */
  #crashed(error: Error): void {
    this.#crashedAt ??= Date.now();
    this.#options.log.warn(
      { error: error.message, owned: this.ownedNames() },
      'the Kafka consumer crashed; kafkajs restarts it and it rejoins the group',
    );
    if (this.#phase !== 'rejoining') this.#release();
  }

  /** Assigned again: running. Returns when it had crashed, if it had. */
  rejoined(): number | undefined {
    this.#phase = 'running';
    this.#revocation = undefined;
    const crashedAt = this.#crashedAt;
    this.#crashedAt = undefined;
    if (crashedAt !== undefined) {
      this.#options.log.info(
        { downMs: Date.now() - crashedAt },
        'the Kafka consumer rejoined the group after a crash',
      );
    }
    return crashedAt;
  }

  own(owned: Set<PartitionId>): void {
    this.#owned = owned;
  }

  /** SLUICE_KAFKA_UNAVAILABLE once the brokers have not answered for the whole retry budget. */
  lostContact(): SluiceError | undefined {
    const silentMs = Date.now() - this.#lastContact;
    const { retry, groupId } = this.#options;
    if (silentMs <= retry.timeoutMs) return undefined;
    const what =
      this.#crashedAt === undefined
        ? `fetching for group ${groupId}`
        : `the consumer of group ${groupId} was rejoining after a crash`;
    return kafkaUnavailable(what, retry, new Error(`no fetch, heartbeat or join for ${silentMs} ms`));
  }

  /** Why no batch can be cut now: the consumer is rejoining (a rebalance, a crash) or out of touch. */
  unavailable(): string | undefined {
    const { groupId: group, sessionTimeoutMs } = this.#options;
    if (this.#crashedAt !== undefined) {
      return `the Kafka consumer of group ${group} crashed and is rejoining the group: it owns no partitions`;
    }
    if (this.#phase !== 'running') {
      return `the Kafka consumer of group ${group} is rejoining the group (a rebalance): it owns no partitions until it is assigned again`;
    }
    const silentMs = Date.now() - this.#lastContact;
    if (silentMs > sessionTimeoutMs) {
      return `the Kafka brokers have not answered the consumer of group ${group} for ${silentMs} ms, longer than SLUICE_SESSION_TIMEOUT_MS (${sessionTimeoutMs})`;
    }
    return undefined;
  }

  /** Rejoining: every partition is given up, and nothing is committed until the next assignment. */
  #release(): void {
    const revocation = this.#revocation;
    this.#phase = 'rejoining';
    // A crash before the first assignment (a coordinator still loading) gives nothing up.
    if (this.#owned.size === 0) return;
    this.#options.log.info(
      {
        revoked: this.ownedNames(),
        checkpointed: revocation?.done ?? false,
        waitedMs: revocation ? Date.now() - revocation.started : 0,
      },
      'partitions revoked',
    );
    this.#owned = new Set();
  }
}
