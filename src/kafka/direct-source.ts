import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { type BatchBudget, shareBudget, UNLIMITED } from '../backpressure/index.ts';
import type { SluiceConfig } from '../config/index.ts';
import type { BatchSource, BufferedPartition, PartitionWork } from '../coordinator/index.ts';
import { DataSignal } from '../coordinator/index.ts';
import { type Logger, type OffsetRange, partitionId, partitionName } from '../core/index.ts';
import { ErrorCode, isSluiceError, SluiceError } from '../errors/index.ts';
import { BufferPool, kafkaBatchTask } from '../task/index.ts';
import { coPartitionedAssigner } from './co-partitioned-assigner.ts';
import { bytesOf, countWithin, recordBytes } from './record-bytes.ts';
import { type KafkaRetryOptions, kafkaErrorType, kafkaUnavailable, retryingKafka } from './retry.ts';

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
   * Restores the state of partitions assigned together before they are read, and returns where
   * to read each from (undefined: as configured). Given the group's committed offsets, if any.
   */
  /**
   * The repartition topics of the job's state operations: subscribed too, with the co-partitioned
   * assigner, so that partition q of every topic goes to one instance.
   */
  readonly repartitionTopics?: readonly string[];
  /**
   * The job has `window()`s, whose records are this instance's partitions' only: owning only some
   * partitions is said, since an aggregation after one gets partial results.
   */
  readonly recordWindows?: boolean;
  readonly restore?: (
    partitions: readonly { topic: string; partition: number; committed: bigint | undefined }[],
  ) => Promise<readonly (bigint | undefined)[]>;
};

type PartitionBuffer = {
  readonly topic: string;
  readonly partition: number;
  messages: KafkaMessage[];
  /** Bytes of the buffered messages' keys, values and headers. */
  bytes: number;
  /** Next offset to hand out: the end of the last batch cut for this partition. */
  position: bigint | undefined;
  paused: boolean;
  /** The partition's log end as of its last fetch: with the position, its backlog. */
  highWatermark: bigint | undefined;
  /** The records the last batch was allowed from it; the buffer holds a few batches of that. */
  share: number;
  /** A replayed batch's end: the buffer does not pause before it holds the range. */
  replayUntil: bigint | undefined;
};

/** An offset to commit, kept until the broker took it, for the buffer (ownership) it was cut from. */
type Uncommitted = {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly buffer: PartitionBuffer;
};

const WAIT_FOR_DATA_MS = 20;
/**
 * Fetching of a partition pauses once its buffer holds BUFFERED_BATCHES of its batches (the
 * records a batch may take from it, under backpressure fewer than SLUICE_MAX_RECORDS_PER_BATCH),
 * and at least MIN_BUFFERED records (or SLUICE_MAX_RECORDS_PER_BATCH, when smaller) so that a
 * small budget does not pause after every fetch.
 */
const BUFFERED_BATCHES = 2;
const MIN_BUFFERED = 1000;
/** kafkajs's default most bytes per partition and fetch; never more than the buffer's byte cap. */
const KAFKAJS_MAX_BYTES_PER_PARTITION = 1024 * 1024;
const RETENTION_CHECK_MS = 1000;
/** How long close() waits for commits in flight, so a broker that is away cannot hold the exit. */
const CLOSE_COMMIT_WAIT_MS = 5000;
/**
 * How long, and over how many of kafkajs's fetch-loop retries, the group's rejoin waits for the
 * revocation checkpoint. The runner crashes (and restarts) the consumer after CONSUMER_RETRIES
 * failed retries in a row (kafkajs's default is 5: about 1.5 s of holding with NODE_ENV=test's
 * short backoff, measured): the hold gives up two retries before that.
 */
const REVOCATION_HOLD_MS = 5_000;
const CONSUMER_RETRIES = 10;
const REVOCATION_HOLD_RETRIES = CONSUMER_RETRIES - 2;

/** kafkajs errors that mean this member is no longer in the generation its commit was for. */
const STALE_MEMBER = new Set(['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID']);

/**
 * `running`: partitions assigned. `revoking`: the group rebalances and this instance checkpoints
 * and commits what it owns before rejoining. `rejoining`: it owns nothing until the next assignment.
 */
type Phase = 'running' | 'revoking' | 'rejoining';

type Revocation = { readonly started: number; done: boolean; holds: number };

/**
 * Spark's direct stream on kafkajs: Sluice owns the offsets. kafkajs fetches in the background
 * (its resolved offset only moves the fetch position); the engine cuts each batch from what was
 * fetched, as offset ranges per partition, and commits a range only after the batch's outputs
 * succeeded, and only while the partition is still assigned here.
 */
export class DirectSource implements BatchSource {
  readonly name = 'kafka';
  readonly #options: DirectSourceOptions;
  readonly #consumer: Consumer;
  readonly #pool: BufferPool;
  readonly #buffers = new Map<string, PartitionBuffer>();
  #assigned = new Set<string>();
  #targets: Map<string, bigint> | undefined;
  #joined: Promise<void>;
  #firstAssignment = true;
  #crash: Error | undefined;
  #interrupted = false;
  #lastRetentionCheck = Date.now();
  #phase: Phase = 'running';
  /**
   * An assignment's new partitions are being restored. No batch is cut meanwhile, also not of the
   * partitions kept: a batch could change a state partition whose restore then replaces it.
   */
  #restoring = false;
  #revocation: Revocation | undefined;
  #onRevoking: (() => Promise<void>) | undefined;
  /** Assignments one after the other, each after the revocation before it. */
  #assigning: Promise<void> = Promise.resolve();
  readonly #retry: KafkaRetryOptions;
  /** The last time the brokers answered this consumer (a fetch, a heartbeat, a join, a commit). */
  #lastContact = Date.now();
  /** Successful offset commits kafkajs reported: its runner returns without committing while it restarts. */
  #commitAcks = 0;
  /** When kafkajs last crashed and restarted the consumer, until it has rejoined. */
  #crashedAt: number | undefined;
  readonly #uncommitted = new Map<string, Uncommitted>();
  /** Commits one after the other, so an older one never lands after a newer one. */
  #committing: Promise<void> = Promise.resolve();
  /** Wakes a continuous run waiting for records (waitForData). */
  readonly #arrivals = new DataSignal();

  constructor(options: DirectSourceOptions) {
    this.#options = options;
    const { config } = options;
    // Free buffers beyond two batches' bytes (sizes are powers of two) would only hold memory.
    this.#pool = new BufferPool({ maxFreeBytes: 2 * config.maxBytesPerBatch });
    this.#retry = { timeoutMs: config.kafkaRetryTimeoutMs, brokers: config.brokers ?? [], log: options.log };
    this.#consumer = options.kafka.consumer({
      groupId: config.groupId,
      allowAutoTopicCreation: false,
      sessionTimeout: config.sessionTimeoutMs,
      heartbeatInterval: Math.max(500, Math.floor(config.sessionTimeoutMs / 10)),
      retry: { retries: CONSUMER_RETRIES },
      maxWaitTimeInMs: Math.min(500, config.batchIntervalMs),
      maxBytesPerPartition: Math.min(KAFKAJS_MAX_BYTES_PER_PARTITION, config.maxBufferedBytesPerPartition),
      ...(options.repartitionTopics ? { partitionAssigners: [coPartitionedAssigner] } : {}),
    });
    // Settled by the first assignment, or by a crash before it (next() then throws).
    const { promise: joined, resolve: settleJoin } = Promise.withResolvers<void>();
    this.#joined = joined;
    const contact = (): void => {
      this.#lastContact = Date.now();
    };
    this.#consumer.on(this.#consumer.events.FETCH, contact);
    this.#consumer.on(this.#consumer.events.HEARTBEAT, contact);
    this.#consumer.on(this.#consumer.events.COMMIT_OFFSETS, () => {
      contact();
      this.#commitAcks++;
    });
    this.#consumer.on(this.#consumer.events.GROUP_JOIN, (event) => {
      contact();
      // Resolve `joined` either way: a failed assignment must surface in next(), not hang it.
      this.#assigning = this.#assigning
        .then(() => this.#onAssignment(event.payload.memberAssignment))
        .catch((error: unknown) => this.#fail(error))
        .finally(settleJoin);
    });
    this.#consumer.on(this.#consumer.events.REBALANCING, () => this.#holdRejoin());
    this.#consumer.on(this.#consumer.events.CRASH, (event) => {
      if (!event.payload.restart) {
        this.#fail(event.payload.error);
        // kafkajs gives up (a non-retriable error, e.g. the group's members use another assigner):
        // before the first assignment, nothing else would ever settle the join the engine waits on.
        settleJoin();
        return;
      }
      // kafkajs restarts a consumer whose retries ran out on a retriable error (brokers away): it
      // rejoins as a new member, so nothing is owned, run or committed until it is assigned again.
      this.#crashedAt ??= Date.now();
      options.log.warn(
        { error: event.payload.error.message, owned: [...this.#assigned].sort() },
        'the Kafka consumer crashed; kafkajs restarts it and it rejoins the group',
      );
      if (this.#phase !== 'rejoining') this.#release();
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
        eachBatch: (payload) => this.#onBatch(payload),
      });
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
      if (this.#restoring) {
        if (this.#interrupted) return [];
        await new Promise((resolve) => setTimeout(resolve, WAIT_FOR_DATA_MS));
        continue;
      }
      if (this.#phase !== 'running' && !this.#interrupted) {
        // Before the revocation checkpoint, the batch in flight ends with what it has; after it,
        // no batch runs until the next assignment (it would change state the checkpoint left).
        if (this.#phase === 'revoking' && !this.#revocation?.done) return [];
        await new Promise((resolve) => setTimeout(resolve, WAIT_FOR_DATA_MS));
        continue;
      }
      const work: PartitionWork[] = [];
      const buffers = [...this.#buffers.values()];
      const shares = shareBudget(
        buffers.map((buffer) => this.#backlog(buffer)),
        budget,
      );
      const byteShares = shareBudget(
        buffers.map((buffer) => buffer.bytes),
        { total: this.#options.config.maxBytesPerBatch, perPartition: undefined },
      );
      for (const [index, buffer] of buffers.entries()) {
        const item = this.#cut(buffer, shares[index] ?? 0, byteShares[index] ?? 0);
        if (item) work.push(item);
      }
      if (!this.#options.bounded || this.#interrupted) return work;
      if (work.length > 0) return work;
      if (this.#drained()) return 'end';
      await new Promise((resolve) => setTimeout(resolve, WAIT_FOR_DATA_MS));
      if (Date.now() - this.#lastRetentionCheck >= RETENTION_CHECK_MS) await this.#skipDeleted();
    }
  }

  /** Resolves once fetched records wait for a batch, after `timeoutMs`, or on a crash or abort. */
  waitForData(timeoutMs: number, signal: AbortSignal): Promise<void> {
    return this.#arrivals.wait(timeoutMs, signal, this.waiting() > 0 || this.#crash !== undefined);
  }

  buffered(): BufferedPartition[] {
    return [...this.#buffers.values()].map(({ topic, partition, messages, bytes, paused }) => ({
      topic,
      partition,
      records: messages.length,
      bytes,
      paused,
    }));
  }

  /** Records of the partition not yet cut into a batch: fetched, or known to be in the log. */
  #backlog(buffer: PartitionBuffer): number {
    const { position, highWatermark, messages } = buffer;
    const inLog =
      position !== undefined && highWatermark !== undefined ? Number(highWatermark - position) : 0;
    return Math.max(messages.length, inLog);
  }

  /** Where fetching of the partition pauses (its buffer full) and, at half of it, resumes. */
  #bufferLimit(buffer: PartitionBuffer): number {
    const floor = Math.min(MIN_BUFFERED, this.#options.config.maxRecordsPerBatch);
    return BUFFERED_BATCHES * Math.max(floor, buffer.share);
  }

  /** Full: its records or its bytes reached the limit; not while a replay waits for more of it. */
  #full(buffer: PartitionBuffer): boolean {
    if (this.#awaitingReplay(buffer)) return false;
    return (
      buffer.messages.length >= this.#bufferLimit(buffer) ||
      buffer.bytes >= this.#options.config.maxBufferedBytesPerPartition
    );
  }

  /** A logged batch's range is not all here yet: pausing would wait for it for ever. */
  #awaitingReplay({ replayUntil, messages }: PartitionBuffer): boolean {
    return replayUntil !== undefined && BigInt(messages.at(-1)?.offset ?? '-1') < replayUntil - 1n;
  }

  /** Below half of both limits: fetching resumes. */
  #halfEmpty(buffer: PartitionBuffer): boolean {
    return (
      buffer.messages.length < this.#bufferLimit(buffer) / 2 &&
      buffer.bytes < this.#options.config.maxBufferedBytesPerPartition / 2
    );
  }

  /** Records fetched and not yet in a batch, that a batch can take (available-now: below its end). */
  waiting(): number {
    let count = 0;
    for (const buffer of this.#buffers.values()) {
      const target = this.#targets?.get(partitionId(buffer.topic, buffer.partition));
      const last = buffer.messages.at(-1);
      if (target === undefined || (last && BigInt(last.offset) < target)) {
        count += buffer.messages.length;
        continue;
      }
      for (const message of buffer.messages) {
        if (BigInt(message.offset) >= target) break;
        count++;
      }
    }
    return count;
  }

  /**
   * The engine is draining: stop waiting for data, and stop fetching, so the batch in flight is
   * the last one and nothing more is fetched only to be dropped.
   */
  interrupt(): void {
    if (this.#interrupted) return;
    this.#interrupted = true;
    const byTopic = new Map<string, number[]>();
    for (const { topic, partition } of this.#buffers.values()) {
      byTopic.set(topic, [...(byTopic.get(topic) ?? []), partition]);
    }
    const partitions = [...byTopic].map(([topic, list]) => ({ topic, partitions: list }));
    try {
      this.#consumer.pause(partitions);
    } catch (error) {
      // Not running (a crash, or not started): nothing is being fetched.
      this.#options.log.info({ reason: reasonOf(error) }, 'fetching stopped: the consumer is not running');
      return;
    }
    this.#options.log.info(
      { paused: [...this.#buffers.keys()].sort() },
      'fetching paused: draining the batch in flight',
    );
  }

  /**
   * Records that retention deleted before they were read can never arrive: kafkajs jumps to the
   * log start, so an available-now run would wait forever for the gap. Move past it, and say so.
   */
  async #skipDeleted(): Promise<void> {
    this.#lastRetentionCheck = Date.now();
    const waiting = [...this.#buffers.values()].filter((buffer) => {
      const target = this.#targets?.get(partitionId(buffer.topic, buffer.partition));
      return target !== undefined && (buffer.position ?? 0n) < target && buffer.messages.length === 0;
    });
    for (const topic of new Set(waiting.map((buffer) => buffer.topic))) {
      const offsets = await retryingKafka(
        `reading the offsets of topic ${topic}`,
        () => this.#options.admin.fetchTopicOffsets(topic),
        this.#retry,
      );
      for (const buffer of waiting.filter((item) => item.topic === topic)) {
        const low = BigInt(offsets.find((o) => o.partition === buffer.partition)?.low ?? '0');
        if (buffer.position !== undefined && buffer.position < low) {
          this.#options.log.warn(
            { topic, partition: buffer.partition, from: buffer.position.toString(), to: low.toString() },
            'records deleted by retention before they were read; skipping to the log start',
          );
          buffer.position = low;
        }
      }
    }
  }

  /**
   * The engine calls this once it runs: `handler` finishes the batch in flight, checkpoints what
   * this instance owns and commits it, before the group's rebalance goes on.
   */
  onRevoking(handler: () => Promise<void>): void {
    this.#onRevoking = handler;
  }

  /**
   * Commits the ranges' ends. While the consumer rejoins (a rebalance, a crash kafkajs restarts)
   * they are kept, and committed once the same buffer is assigned again: the partition never left.
   */
  async commit(ranges: readonly OffsetRange[]): Promise<void> {
    for (const range of ranges) {
      const key = partitionId(range.topic, range.partition);
      const buffer = this.#buffers.get(key);
      if (!buffer) continue;
      const known = this.#uncommitted.get(key);
      if (known?.buffer === buffer && known.offset >= range.untilOffset) continue;
      this.#uncommitted.set(key, {
        topic: range.topic,
        partition: range.partition,
        offset: range.untilOffset,
        buffer,
      });
    }
    await this.#flushCommits();
  }

  #flushCommits(): Promise<void> {
    const next = this.#committing.then(() => this.#commitOwned());
    this.#committing = next.catch(() => {});
    return next;
  }

  async #commitOwned(): Promise<void> {
    for (const [key, entry] of this.#uncommitted) {
      if (this.#buffers.get(key) !== entry.buffer) this.#uncommitted.delete(key);
    }
    const due = [...this.#uncommitted.entries()].filter(([key]) => this.#assigned.has(key));
    if (due.length === 0) return;
    const offsets = due.map(([, { topic, partition, offset }]) => ({
      topic,
      partition,
      offset: offset.toString(),
    }));
    const { groupId } = this.#options.config;
    const committed = await retryingKafka(
      `committing offsets of group ${groupId}`,
      () => this.#commitOnce(offsets),
      this.#retry,
    );
    if (!committed) {
      this.#options.log.info(
        { offsets },
        'offsets kept: the consumer is rejoining the group; committed once its partitions are assigned again',
      );
      return;
    }
    // A range recorded meanwhile (a later batch) stays for the next commit.
    for (const [key, entry] of due) if (this.#uncommitted.get(key) === entry) this.#uncommitted.delete(key);
    this.#options.log.debug(
      {
        committed: offsets.map(
          ({ topic, partition, offset }) => `${partitionName(topic, partition)}@${offset}`,
        ),
      },
      'offsets committed',
    );
  }

  /** One commit: true once the broker took it, false when the member has no generation now. */
  async #commitOnce(offsets: { topic: string; partition: number; offset: string }[]): Promise<boolean> {
    if (this.#rejoining()) return false;
    const acks = this.#commitAcks;
    try {
      await this.#consumer.commitOffsets(offsets);
    } catch (error) {
      if (this.#rejoining()) return false;
      // The group moved on without this member (it rejoined without waiting for the revocation,
      // its session expired, the coordinator restarted): the next assignment says who owns what.
      if (STALE_MEMBER.has(kafkaErrorType(error) ?? '')) {
        this.#options.log.warn(
          { offsets, reason: error instanceof Error ? error.message : String(error) },
          'offsets not committed: this member is no longer in the group generation that owned them',
        );
        return false;
      }
      if (isNotRunning(error)) throw new ConsumerRestarting();
      throw error;
    }
    if (this.#commitAcks > acks) return true;
    if (this.#rejoining()) return false;
    // kafkajs's runner returns without committing while it is stopped (between a crash and its restart).
    throw new ConsumerRestarting();
  }

  /** A method, not a field test: the phase changes across the awaits around it. */
  #rejoining(): boolean {
    return this.#phase === 'rejoining';
  }

  /** SLUICE_KAFKA_UNAVAILABLE once the brokers have not answered for the whole retry budget. */
  #checkContact(): void {
    const silentMs = Date.now() - this.#lastContact;
    if (silentMs <= this.#retry.timeoutMs) return;
    const what =
      this.#crashedAt === undefined
        ? `fetching for group ${this.#options.config.groupId}`
        : `the consumer of group ${this.#options.config.groupId} was rejoining after a crash`;
    this.#fail(
      kafkaUnavailable(what, this.#retry, new Error(`no fetch, heartbeat or join for ${silentMs} ms`)),
    );
    if (this.#crash) throw this.#crash;
  }

  /** Why no batch can be cut now: the consumer is rejoining (a rebalance, a crash) or out of touch. */
  unavailable(): string | undefined {
    const group = this.#options.config.groupId;
    if (this.#crashedAt !== undefined) {
      return `the Kafka consumer of group ${group} crashed and is rejoining the group: it owns no partitions`;
    }
    if (this.#phase !== 'running') {
      return `the Kafka consumer of group ${group} is rejoining the group (a rebalance): it owns no partitions until it is assigned again`;
    }
    const silentMs = Date.now() - this.#lastContact;
    const { sessionTimeoutMs } = this.#options.config;
    if (silentMs > sessionTimeoutMs) {
      return `the Kafka brokers have not answered the consumer of group ${group} for ${silentMs} ms, longer than SLUICE_SESSION_TIMEOUT_MS (${sessionTimeoutMs})`;
    }
    return undefined;
  }

  /** Leaves the group (kafkajs sends LeaveGroup on disconnect), so its partitions move at once. */
  async close(): Promise<void> {
    // A commit not awaited where it started (a restored checkpoint's) lands before the consumer
    // goes. The wait's timer is unref'd: left running, it would hold the process after the run.
    await Promise.race([this.#committing, sleep(CLOSE_COMMIT_WAIT_MS, undefined, { ref: false })]);
    await this.#consumer.disconnect();
    this.#options.log.info({ groupId: this.#options.config.groupId }, 'left the consumer group');
  }

  /** The partitions assigned to this instance now. */
  owned(): { topic: string; partition: number }[] {
    return [...this.#buffers.values()].map(({ topic, partition }) => ({ topic, partition }));
  }

  position(topic: string, partition: number): bigint | undefined {
    return this.#buffers.get(partitionId(topic, partition))?.position;
  }

  /** Per-partition positions (next offset to process), for tests and the lag view. */
  positions(): Map<string, bigint | undefined> {
    return new Map([...this.#buffers].map(([key, buffer]) => [key, buffer.position]));
  }

  async #onBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    if (!isRunning() || isStale() || batch.messages.length === 0) return;
    // Left unresolved while the group rebalances: the next assignment fetches from its offsets.
    if (this.#phase !== 'running') return;
    const buffer = this.#buffers.get(partitionId(batch.topic, batch.partition));
    // Left unresolved, kafkajs fetches these again. Until #initPositions set the start (and
    // sought to it), buffering would take records that the seek then delivers a second time.
    if (!buffer || buffer.position === undefined) return;
    let messages = batch.messages;
    // After a rebalance kafkajs refetches from the committed offset; what this instance has
    // already cut into a batch must not be processed twice.
    if (buffer.position !== undefined && BigInt(messages[0]?.offset ?? '0') < buffer.position) {
      const position = buffer.position;
      messages = messages.filter((message) => BigInt(message.offset) >= position);
    }
    for (const message of messages) {
      buffer.messages.push(message);
      buffer.bytes += recordBytes(message);
    }
    buffer.highWatermark = BigInt(batch.highWatermark);
    resolveOffset(batch.lastOffset());
    if (messages.length > 0) this.#arrivals.notify();
    // A full buffer stops fetching the partition until batches have drained half of it: memory
    // stays bounded while batches are slow, and the consumer goes on heartbeating meanwhile.
    if (this.#full(buffer) && !buffer.paused) {
      buffer.paused = true;
      this.#consumer.pause([{ topic: batch.topic, partitions: [batch.partition] }]);
    }
    await heartbeat();
  }

  /** Resolves once the first assignment is done: its partitions are restored and positioned. */
  async ready(): Promise<void> {
    await this.#joined;
    if (this.#crash) throw this.#crash;
  }

  async replay(ranges: readonly OffsetRange[]): Promise<PartitionWork[] | undefined> {
    await this.#joined;
    const work: PartitionWork[] = [];
    if (this.#phase !== 'running') return undefined;
    for (const range of ranges) {
      const buffer = this.#buffers.get(partitionId(range.topic, range.partition));
      if (!buffer) continue;
      if (buffer.position !== range.fromOffset) return undefined;
      // Wait until the range's last offset (or one past it, where compaction removed it) is here.
      const until = range.untilOffset;
      buffer.replayUntil = until;
      this.#resumeIfRoom(buffer);
      try {
        while (BigInt(buffer.messages.at(-1)?.offset ?? '-1') < until - 1n) {
          if (this.#crash) throw this.#crash;
          this.#checkContact();
          if (this.#interrupted || this.#phase !== 'running') return undefined;
          await new Promise((resolve) => setTimeout(resolve, WAIT_FOR_DATA_MS));
        }
      } finally {
        buffer.replayUntil = undefined;
      }
      let count = 0;
      while (count < buffer.messages.length && BigInt(buffer.messages[count]?.offset ?? '0') < until) count++;
      work.push(this.#take(buffer, count, until));
    }
    return work;
  }

  /** Up to `share` records and `byteShare` bytes (at least one record) of the buffer, as a batch. */
  #cut(buffer: PartitionBuffer, share: number, byteShare: number): PartitionWork | undefined {
    const target = this.#targets?.get(partitionId(buffer.topic, buffer.partition));
    const max = Math.min(this.#options.config.maxRecordsPerBatch, share);
    if (share > 0) buffer.share = max;
    let count = Math.min(max, buffer.messages.length);
    if (target !== undefined) {
      while (count > 0 && BigInt(buffer.messages[count - 1]?.offset ?? '0') >= target) count--;
    }
    count = countWithin(buffer.messages, count, byteShare);
    if (count === 0) return undefined;
    return this.#take(buffer, count);
  }

  /** Resumes fetching of a paused partition below half, or awaiting a replay (draining keeps it paused). */
  #resumeIfRoom(buffer: PartitionBuffer): void {
    if (!buffer.paused || this.#interrupted) return;
    if (!this.#halfEmpty(buffer) && !this.#awaitingReplay(buffer)) return;
    buffer.paused = false;
    this.#consumer.resume([{ topic: buffer.topic, partitions: [buffer.partition] }]);
  }

  /** The first `count` buffered messages as a batch; `until` overrides the range's end. */
  #take(buffer: PartitionBuffer, count: number, until?: bigint): PartitionWork {
    const messages = buffer.messages.slice(0, count);
    buffer.messages = buffer.messages.slice(count);
    buffer.bytes -= bytesOf(messages);
    this.#resumeIfRoom(buffer);
    const first = BigInt(messages[0]?.offset ?? '0');
    const range: OffsetRange = {
      topic: buffer.topic,
      partition: buffer.partition,
      fromOffset: buffer.position ?? first,
      untilOffset: until ?? BigInt(messages.at(-1)?.offset ?? '0') + 1n,
    };
    buffer.position = range.untilOffset;
    let encoded: SharedArrayBuffer | undefined;
    // Let go once the slot is done with them: the batch's outputs may take long (a slow sink).
    let held = messages;
    return {
      range,
      records: count,
      task: (info) => {
        const task = kafkaBatchTask(
          info,
          { topic: buffer.topic, partition: buffer.partition, messages: held },
          this.#pool,
        );
        encoded = task.buffer;
        return task;
      },
      settled: () => {
        held = [];
        if (encoded) this.#pool.release(encoded);
      },
      values: () => held.map((message) => message.value),
    };
  }

  #drained(): boolean {
    if (!this.#targets) return false;
    for (const [key, target] of this.#targets) {
      if (!this.#assigned.has(key)) continue;
      const position = this.#buffers.get(key)?.position;
      if (position === undefined || position < target) return false;
    }
    return true;
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
        { owned: [...this.#assigned].sort() },
        'group rebalancing: checkpointing before rejoining',
      );
      if (handler) {
        // An assignment still restoring finishes first: its partitions are owned and checkpointed too.
        this.#assigning = this.#assigning
          .then(handler)
          .catch((error: unknown) => this.#fail(error))
          .finally(() => {
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

  /** Rejoining: every partition is given up, and nothing is committed until the next assignment. */
  #release(): void {
    const revocation = this.#revocation;
    this.#phase = 'rejoining';
    // A crash before the first assignment (a coordinator still loading) gives nothing up.
    if (this.#assigned.size === 0) return;
    this.#options.log.info(
      {
        revoked: [...this.#assigned].sort(),
        checkpointed: revocation?.done ?? false,
        waitedMs: revocation ? Date.now() - revocation.started : 0,
      },
      'partitions revoked',
    );
    this.#assigned = new Set();
  }

  async #onAssignment(assignment: Record<string, number[]>): Promise<void> {
    this.#restoring = true;
    try {
      await this.#assign(assignment);
    } finally {
      this.#restoring = false;
    }
  }

  async #assign(assignment: Record<string, number[]>): Promise<void> {
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
    const next = new Set<string>();
    for (const [topic, partitions] of Object.entries(assignment)) {
      for (const partition of partitions) next.add(partitionId(topic, partition));
    }
    for (const [key, buffer] of this.#buffers) {
      if (next.has(key)) {
        // kafkajs refetches from the committed offset; dropping the uncut messages avoids gaps.
        buffer.messages = [];
        buffer.bytes = 0;
        buffer.paused = false;
        // A restarted consumer without a commit would start as configured (`latest`: a gap).
        if (crashedAt !== undefined && buffer.position !== undefined) {
          this.#consumer.seek({
            topic: buffer.topic,
            partition: buffer.partition,
            offset: buffer.position.toString(),
          });
        }
        continue;
      }
      this.#buffers.delete(key);
      this.#options.onRevoked?.(buffer.topic, buffer.partition);
    }
    this.#assigned = next;
    // kafkajs keeps a partition's pause across rebalances, also one revoked and assigned again:
    // a paused partition whose buffer starts unpaused would never be fetched again.
    const assigned = Object.entries(assignment).map(([topic, partitions]) => ({
      topic,
      partitions: [...partitions],
    }));
    if (this.#interrupted) this.#consumer.pause(assigned);
    else this.#consumer.resume(assigned);
    const fresh = Object.entries(assignment).flatMap(([topic, partitions]) =>
      partitions
        .filter((partition) => !this.#buffers.has(partitionId(topic, partition)))
        .map((partition) => ({ topic, partition })),
    );
    for (const { topic, partition } of fresh) {
      this.#buffers.set(partitionId(topic, partition), {
        topic,
        partition,
        messages: [],
        bytes: 0,
        position: undefined,
        paused: false,
        highWatermark: undefined,
        share: this.#options.config.maxRecordsPerBatch,
        replayUntil: undefined,
      });
    }
    this.#options.log.info({ assigned: [...next].sort() }, 'partitions assigned');
    // Offsets kept while rejoining, of partitions assigned here again; not awaited: kafkajs's
    // runner starts only after this event, and commits wait for it.
    if (this.#uncommitted.size > 0) this.#flushCommits().catch((error: unknown) => this.#fail(error));
    await this.#initPositions(fresh);
  }

  /** Where each newly assigned partition starts, and (available-now) where it ends. */
  async #initPositions(fresh: readonly { topic: string; partition: number }[]): Promise<void> {
    const { admin, config } = this.#options;
    const topics = [...new Set(fresh.map((item) => item.topic))];
    const first = this.#firstAssignment;
    this.#firstAssignment = false;
    const watermarks = new Map<string, { low: bigint; high: bigint }>();
    /** Partitions per topic read here, for what this instance owns of them. */
    const partitionCounts = new Map<string, number>();
    for (const topic of topics) {
      const read = () => admin.fetchTopicOffsets(topic);
      const all = await retryingKafka(`reading the offsets of topic ${topic}`, read, this.#retry);
      partitionCounts.set(topic, all.length);
      for (const offsets of all) {
        watermarks.set(partitionId(topic, offsets.partition), {
          low: BigInt(offsets.low),
          high: BigInt(offsets.high),
        });
      }
    }
    const committed = new Map<string, bigint>();
    const fetchCommitted = () => admin.fetchOffsets({ groupId: config.groupId, topics });
    const entries = await retryingKafka(
      `reading the committed offsets of group ${config.groupId}`,
      fetchCommitted,
      this.#retry,
    );
    for (const entry of entries) {
      for (const offset of entry.partitions) {
        if (offset.offset !== '-1')
          committed.set(partitionId(entry.topic, offset.partition), BigInt(offset.offset));
      }
    }
    if (this.#options.bounded && first) this.#targets = new Map();
    this.#warnPartial(partitionCounts, first);
    const restores = await this.#options.restore?.(
      fresh.map(({ topic, partition }) => ({
        topic,
        partition,
        committed: committed.get(partitionId(topic, partition)),
      })),
    );
    for (const [index, { topic, partition }] of fresh.entries()) {
      const key = partitionId(topic, partition);
      const marks = watermarks.get(key) ?? { low: 0n, high: 0n };
      const buffer = this.#buffers.get(key);
      if (!buffer) continue;
      const restored = restores?.[index];
      // Forwarded values are never skipped: a repartition partition goes on from its commit.
      const forwarded = this.#options.repartitionTopics?.includes(topic) === true;
      const explicit = first && config.startingOffsets !== 'committed' && !forwarded;
      let start = restored ?? committed.get(key);
      if (restored === undefined && (explicit || start === undefined))
        start = config.startingOffsets === 'latest' && !forwarded ? marks.high : marks.low;
      if (start === undefined || start < marks.low) start = marks.low;
      buffer.position = start;
      if (restored !== undefined || explicit || committed.get(key) === undefined)
        this.#consumer.seek({ topic, partition, offset: start.toString() });
      this.#targets?.set(key, marks.high);
      // A checkpoint ahead of the group's commit (its owner died between the two) is durable, so
      // its offset is committed now: a batch would commit it only once new records arrive.
      const behind = committed.get(key);
      // Not a rebuild from the log start (0): nothing durable is ahead of the commit then.
      if (restored !== undefined && restored > (behind ?? 0n)) {
        this.#uncommitted.set(key, { topic, partition, offset: restored, buffer });
      }
    }
    // Not awaited, as in the assignment: commits wait for kafkajs's runner, which waits for this.
    if (this.#uncommitted.size > 0) this.#flushCommits().catch((error: unknown) => this.#fail(error));
  }

  /**
   * Owning only some partitions of the topics just assigned from (others are other members'),
   * said where it changes results: available-now drains only its own, so a run that died without
   * leaving (its member holds its partitions until its session times out) leaves some unread;
   * an aggregation after `window()` runs per instance, so a key in several instances gets partials.
   */
  #warnPartial(partitionCounts: ReadonlyMap<string, number>, first: boolean): void {
    const inputs = [...partitionCounts.keys()].filter(
      (topic) => !this.#options.repartitionTopics?.includes(topic),
    );
    const owned = [...this.#buffers.values()]
      .filter(
        ({ topic, partition }) => inputs.includes(topic) && this.#assigned.has(partitionId(topic, partition)),
      )
      .map(({ topic, partition }) => partitionId(topic, partition));
    const partitions = inputs.reduce((sum, topic) => sum + (partitionCounts.get(topic) ?? 0), 0);
    if (owned.length >= partitions) return;
    const share = { groupId: this.#options.config.groupId, assigned: owned.sort(), partitions };
    if (this.#options.bounded && first) {
      this.#options.log.warn(
        { ...share, sessionTimeoutMs: this.#options.config.sessionTimeoutMs },
        'available-now: this run was given only some partitions; the others belong to other members of the group (a run that died without leaving holds its partitions until its session times out) and are not read by this run',
      );
    }
    if (this.#options.recordWindows) {
      this.#options.log.warn(
        share,
        "window() holds the records of this instance's partitions only: an aggregation after it gets one partial result per instance for a key in partitions of several instances (aggregate with windowAggregate or an ...AndWindow operation, which merge across instances)",
      );
    }
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

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** kafkajs's runner between a crash and its restart: a commit there does nothing. */
class ConsumerRestarting extends Error {
  readonly retriable = true;
  constructor() {
    super('the consumer is restarting');
    this.name = 'ConsumerRestarting';
  }
}

/** kafkajs's consumer between a crash's disconnect and its restart has no group to commit through. */
function isNotRunning(error: unknown): boolean {
  return error instanceof Error && /Consumer group was not initialized/.test(error.message);
}
