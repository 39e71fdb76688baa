/** The direct source's fetch buffers: per owned partition, the record batches fetched and not yet cut. */
import type { SluiceConfig } from '../../config/index.ts';
import type { BufferedPartition } from '../../coordinator/index.ts';
import { type Logger, type PartitionId, partitionId, partitionName } from '../../core/index.ts';
import type { FetchedBatch } from './record-sets.ts';

export type PartitionBuffer = {
  readonly topic: string;
  readonly partition: number;
  /** Record batches fetched, in offset order; the first may hold records before `position`. */
  batches: FetchedBatch[];
  /** Records of the batches at or past `position` (exact but for compacted batches: see recordsFrom). */
  records: number;
  /** Bytes of the batches as fetched (compressed batches count compressed). */
  bytes: number;
  /** Next offset to hand out: the end of the last batch cut for this partition. */
  position: bigint | undefined;
  /** Next offset to fetch: past the last batch fetched (or skipped: markers, aborted transactions). */
  fetchAt: bigint | undefined;
  paused: boolean;
  /** The partition's log end as of its last fetch: with the position, its backlog. */
  highWatermark: bigint | undefined;
  /** The records the last batch was allowed from it; the buffer holds a few batches of that. */
  share: number;
  /** A replayed batch's end: the buffer does not pause before it holds the range. */
  replayUntil: bigint | undefined;
  /** Available-now: the partition's log end when it was assigned, where its run ends. */
  end: bigint | undefined;
  /** Moves on each reposition, so that a fetch sent before it is not appended after it. */
  epoch: number;
  /** A batch larger than a partition's fetch limit is next: asked for first, with room for it. */
  oversize: number | undefined;
};

/**
 * Fetching of a partition pauses once its buffer holds BUFFERED_BATCHES of its batches (the
 * records a batch may take from it, under backpressure fewer than SLUICE_MAX_RECORDS_PER_BATCH),
 * and at least MIN_BUFFERED records (or SLUICE_MAX_RECORDS_PER_BATCH, when smaller) so that a
 * small budget does not pause after every fetch.
 */
const BUFFERED_BATCHES = 2;
const MIN_BUFFERED = 1000;

/** Records of `batch` at or past `from`: its offsets can have gaps (compaction), so at most its count. */
export function recordsFrom(batch: FetchedBatch, from: bigint): number {
  if (from <= batch.base) return batch.count;
  if (from > batch.last) return 0;
  return Math.min(batch.count, Number(batch.last - from + 1n));
}

/**
 * The buffers of the partitions owned, fed by the raw fetcher: fetching of a partition pauses
 * while its buffer is full and resumes once batches took half of it.
 */
export class FetchBuffers {
  readonly #config: SluiceConfig;
  readonly #buffers = new Map<PartitionId, PartitionBuffer>();
  #stopped = false;
  /** Tells the fetcher that a partition may be fetched again (resumed, positioned). */
  #wake: () => void = () => {};

  constructor(config: SluiceConfig) {
    this.#config = config;
  }

  onWake(wake: () => void): void {
    this.#wake = wake;
  }

  /** Fetching stopped for good: the engine drains the batch in flight (see stop). */
  get stopped(): boolean {
    return this.#stopped;
  }

  get(id: PartitionId): PartitionBuffer | undefined {
    return this.#buffers.get(id);
  }

  all(): PartitionBuffer[] {
    return [...this.#buffers.values()];
  }

  /** The partitions to fetch now: positioned, not paused, and fetching not stopped. */
  fetchable(): PartitionBuffer[] {
    if (this.#stopped) return [];
    return this.all().filter((buffer) => buffer.fetchAt !== undefined && !buffer.paused);
  }

  /** Sets where the partition is read from (and fetched from): its start, or past deleted records. */
  positionAt(buffer: PartitionBuffer, offset: bigint): void {
    buffer.position = offset;
    this.#refetchFrom(buffer, offset);
  }

  /**
   * Takes fetched batches (framed from `fetchAt`) and moves the fetch position past them and past
   * the batches left out; notes the partition's log end and when the batches came (`fetchedAt`,
   * epoch ms). Returns how many records it took.
   */
  append(
    buffer: PartitionBuffer,
    batches: readonly FetchedBatch[],
    next: bigint,
    highWatermark: bigint,
    fetchedAt = Date.now(),
  ): number {
    const position = buffer.position ?? 0n;
    let added = 0;
    for (const batch of batches) {
      buffer.batches.push({ ...batch, fetchedAt });
      buffer.bytes += batch.bytes.length;
      added += recordsFrom(batch, position);
    }
    buffer.records += added;
    buffer.fetchAt = next;
    buffer.oversize = undefined;
    buffer.highWatermark = highWatermark;
    return added;
  }

  /**
   * Drops the batches wholly before the partition's position (a cut took them), and counts the
   * records left: called after each cut.
   */
  trim(buffer: PartitionBuffer): void {
    const position = buffer.position ?? 0n;
    let drop = 0;
    while (drop < buffer.batches.length && (buffer.batches[drop] as FetchedBatch).last < position) {
      buffer.bytes -= (buffer.batches[drop] as FetchedBatch).bytes.length;
      drop++;
    }
    if (drop > 0) buffer.batches = buffer.batches.slice(drop);
    let records = 0;
    for (const batch of buffer.batches) records += recordsFrom(batch, position);
    buffer.records = records;
  }

  /**
   * A full buffer stops fetching the partition until batches have drained half of it: memory
   * stays bounded while batches are slow, and the consumer goes on heartbeating meanwhile.
   */
  pauseIfFull(buffer: PartitionBuffer): void {
    if (buffer.paused || !this.#full(buffer)) return;
    buffer.paused = true;
    // Its batches may now wait long. As views they would keep whole fetch responses in memory,
    // the other partitions' bytes too, beyond what the byte caps count: they are copied out.
    // (A copy: Buffer#slice, unlike Uint8Array#slice, would be another view.)
    buffer.batches = buffer.batches.map((batch) => ({ ...batch, bytes: new Uint8Array(batch.bytes) }));
  }

  /** Resumes fetching of a paused partition below half, or awaiting a replay (draining keeps it paused). */
  resumeIfRoom(buffer: PartitionBuffer): void {
    if (!buffer.paused || this.#stopped) return;
    if (!this.#halfEmpty(buffer) && !awaitingReplay(buffer)) return;
    buffer.paused = false;
    this.#wake();
  }

  /** Records of the partition not yet cut into a batch: fetched, or known to be in the log. */
  backlog(buffer: PartitionBuffer): number {
    const { position, highWatermark, records } = buffer;
    const inLog =
      position !== undefined && highWatermark !== undefined ? Number(highWatermark - position) : 0;
    return Math.max(records, inLog);
  }

  /** Records fetched and not yet in a batch, that a batch can take (available-now: below its end). */
  waiting(): number {
    let count = 0;
    for (const buffer of this.#buffers.values()) {
      const target = buffer.end;
      const last = buffer.batches.at(-1);
      if (target === undefined || (last && last.last < target)) {
        count += buffer.records;
        continue;
      }
      const position = buffer.position ?? 0n;
      for (const batch of buffer.batches) {
        if (batch.base >= target) break;
        count += Math.min(recordsFrom(batch, position), Number(target - batch.base));
      }
    }
    return count;
  }

  /** Available-now: every partition owned reached its end (as of its assignment). */
  drained(owns: (id: PartitionId) => boolean): boolean {
    for (const [id, buffer] of this.#buffers) {
      if (buffer.end === undefined || !owns(id)) continue;
      if (buffer.position === undefined || buffer.position < buffer.end) return false;
    }
    return true;
  }

  buffered(): BufferedPartition[] {
    return [...this.#buffers.values()].map(({ topic, partition, records, bytes, paused }) => ({
      topic,
      partition,
      records,
      bytes,
      paused,
    }));
  }

  /** Per-partition positions (next offset to process), for tests and the lag view. */
  positions(): Map<string, bigint | undefined> {
    return new Map([...this.#buffers].map(([key, buffer]) => [key, buffer.position]));
  }

  /**
   * A new assignment: buffers of partitions kept drop their uncut batches and fetch again from
   * their position, the others go (`onRevoked`), and new partitions get empty buffers, not yet
   * positioned. Returns the partitions owned and the new.
   */
  reassign(
    assignment: Record<string, number[]>,
    onRevoked: ((topic: string, partition: number) => void) | undefined,
  ): { owned: Set<PartitionId>; fresh: { topic: string; partition: number }[] } {
    const owned = new Set<PartitionId>();
    for (const [topic, partitions] of Object.entries(assignment)) {
      for (const partition of partitions) owned.add(partitionId(topic, partition));
    }
    for (const [key, buffer] of this.#buffers) {
      if (owned.has(key)) {
        buffer.paused = false;
        if (buffer.position !== undefined) this.#refetchFrom(buffer, buffer.position);
        continue;
      }
      buffer.epoch++;
      this.#buffers.delete(key);
      onRevoked?.(buffer.topic, buffer.partition);
    }
    const fresh = Object.entries(assignment).flatMap(([topic, partitions]) =>
      partitions
        .filter((partition) => !this.#buffers.has(partitionId(topic, partition)))
        .map((partition) => ({ topic, partition })),
    );
    for (const { topic, partition } of fresh) {
      this.#buffers.set(partitionId(topic, partition), {
        topic,
        partition,
        batches: [],
        records: 0,
        bytes: 0,
        position: undefined,
        fetchAt: undefined,
        paused: false,
        highWatermark: undefined,
        share: this.#config.maxRecordsPerBatch,
        replayUntil: undefined,
        end: undefined,
        epoch: 0,
        oversize: undefined,
      });
    }
    return { owned, fresh };
  }

  /**
   * The engine is draining: stop fetching, so the batch in flight is the last one and nothing
   * more is fetched only to be dropped.
   */
  stop(log: Logger): void {
    if (this.#stopped) return;
    this.#stopped = true;
    const paused = this.all().map(({ topic, partition }) => partitionName(topic, partition));
    log.info({ paused: paused.sort() }, 'fetching paused: draining the batch in flight');
  }

  /** Drops what was fetched and fetches again from `offset`; a fetch in flight is ignored. */
  #refetchFrom(buffer: PartitionBuffer, offset: bigint): void {
    buffer.batches = [];
    buffer.records = 0;
    buffer.bytes = 0;
    buffer.fetchAt = offset;
    buffer.oversize = undefined;
    buffer.epoch++;
    this.#wake();
  }

  /** Where fetching of the partition pauses (its buffer full) and, at half of it, resumes. */
  #limit(buffer: PartitionBuffer): number {
    const floor = Math.min(MIN_BUFFERED, this.#config.maxRecordsPerBatch);
    return BUFFERED_BATCHES * Math.max(floor, buffer.share);
  }

  /** Full: its records or its bytes reached the limit; not while a replay waits for more of it. */
  #full(buffer: PartitionBuffer): boolean {
    if (awaitingReplay(buffer)) return false;
    return buffer.records >= this.#limit(buffer) || buffer.bytes >= this.#config.maxBufferedBytesPerPartition;
  }

  /** Below half of both limits: fetching resumes. */
  #halfEmpty(buffer: PartitionBuffer): boolean {
    return (
      buffer.records < this.#limit(buffer) / 2 && buffer.bytes < this.#config.maxBufferedBytesPerPartition / 2
    );
  }
}

/** A logged batch's range is not all here yet: pausing would wait for it for ever. */
export function awaitingReplay({ replayUntil, fetchAt }: PartitionBuffer): boolean {
  return replayUntil !== undefined && (fetchAt ?? 0n) < replayUntil;
}
