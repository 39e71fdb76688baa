/** The direct source's batch cutting: offset ranges of the fetch buffers, and their record batches as the slots' work. */
import { type BatchBudget, shareBudget } from '../../backpressure/index.ts';
import type { SluiceConfig } from '../../config/index.ts';
import type { PartitionWork } from '../../coordinator/index.ts';
import type { OffsetRange } from '../../core/index.ts';
import { toOffset } from '../../core/index.ts';
import { BufferPool, recordValues, type SlotTask } from '../../task/index.ts';
import { type FetchBuffers, type PartitionBuffer, recordsFrom } from './fetch-buffer.ts';
import type { FetchedBatch } from './record-sets.ts';

/** Records of `batch` in [from, until). */
function recordsBetween(batch: FetchedBatch, from: bigint, until: bigint): number {
  return recordsFrom(batch, from) - recordsFrom(batch, until);
}

/** A cut: the range's end, the batches it reads and an estimate of its records. */
type Cut = { readonly until: bigint; readonly batches: FetchedBatch[]; readonly records: number };

/**
 * Cuts batches from the fetch buffers: each cut moves a partition's position to the end of its
 * range, and the record batches holding the range go to a slot as they were fetched (copied once
 * into shared memory): records are read in the slot, never here.
 */
export class BatchCutter {
  readonly #buffers: FetchBuffers;
  readonly #pool: BufferPool;
  readonly #config: SluiceConfig;

  constructor(buffers: FetchBuffers, config: SluiceConfig) {
    this.#buffers = buffers;
    // Free buffers beyond two batches' bytes (sizes are powers of two) would only hold memory.
    this.#pool = new BufferPool({ maxFreeBytes: 2 * config.maxBytesPerBatch });
    this.#config = config;
  }

  /**
   * The next batch: from each buffer, its share of `budget` (by backlog) and of
   * SLUICE_MAX_BYTES_PER_BATCH (by bytes buffered); available-now, nothing at or past its end.
   */
  cut(budget: BatchBudget): PartitionWork[] {
    const work: PartitionWork[] = [];
    const buffers = this.#buffers.all();
    const shares = shareBudget(
      buffers.map((buffer) => this.#buffers.backlog(buffer)),
      budget,
    );
    const byteShares = shareBudget(
      buffers.map((buffer) => buffer.bytes),
      { total: this.#config.maxBytesPerBatch, perPartition: undefined },
    );
    for (const [index, buffer] of buffers.entries()) {
      const item = this.#cutOne(buffer, shares[index] ?? 0, byteShares[index] ?? 0);
      if (item) work.push(item);
    }
    return work;
  }

  /** A logged batch again: exactly the range from the buffer's position up to `until`. */
  replayed(buffer: PartitionBuffer, until: bigint): PartitionWork {
    const from = buffer.position ?? 0n;
    const batches = buffer.batches.filter((batch) => batch.last >= from && batch.base < until);
    let records = 0;
    for (const batch of batches) records += recordsBetween(batch, from, until);
    return this.#take(buffer, { until, batches, records });
  }

  /** Up to `share` records and `byteShare` bytes (at least one batch) of the buffer, as a batch. */
  #cutOne(buffer: PartitionBuffer, share: number, byteShare: number): PartitionWork | undefined {
    const from = buffer.position;
    if (from === undefined || buffer.fetchAt === undefined) return undefined;
    const max = Math.min(this.#config.maxRecordsPerBatch, share);
    if (share > 0) buffer.share = max;
    // Without a share no record is taken; offsets the fetch left out (markers, deleted records)
    // are still passed, or an available-now run would wait for them for ever.
    if (max <= 0 && buffer.batches.length > 0) return undefined;
    const cut = this.#plan(buffer, from, max, byteShare);
    if (cut.until <= from) return undefined;
    return this.#take(buffer, cut);
  }

  /**
   * Whole batches while they fit the share and the bytes; a first batch larger than the share is
   * cut inside. Past the last batch fetched, the range also covers what the fetch left out
   * (transaction markers, aborted records), so its commit moves past them.
   */
  #plan(buffer: PartitionBuffer, from: bigint, max: number, byteShare: number): Cut {
    const end = buffer.end;
    const batches: FetchedBatch[] = [];
    let until = from;
    let records = 0;
    let bytes = 0;
    let limited = false;
    for (const batch of buffer.batches) {
      if (end !== undefined && batch.base >= end) {
        limited = true;
        break;
      }
      const available = recordsFrom(batch, until);
      const fitsBytes = bytes + batch.bytes.length <= byteShare;
      if (batches.length > 0 && (records + available > max || !fitsBytes)) {
        limited = true;
        break;
      }
      batches.push(batch);
      bytes += batch.bytes.length;
      if (records + available > max) {
        // Offsets past the share's: fewer records where compaction left gaps, never more.
        const start = until > batch.base ? until : batch.base;
        const inside = start + BigInt(max - records);
        records += recordsBetween(batch, until, inside);
        until = inside;
        limited = true;
        break;
      }
      records += available;
      until = batch.last + 1n;
    }
    if (!limited && buffer.fetchAt !== undefined && buffer.fetchAt > until) until = buffer.fetchAt;
    if (end !== undefined && until > end) {
      const last = batches.at(-1);
      if (last) records -= recordsFrom(last, end);
      until = end > from ? end : from;
    }
    return { until, batches, records };
  }

  #take(buffer: PartitionBuffer, cut: Cut): PartitionWork {
    const range: OffsetRange = {
      topic: buffer.topic,
      partition: buffer.partition,
      fromOffset: toOffset(buffer.position ?? 0n),
      untilOffset: toOffset(cut.until),
    };
    buffer.position = cut.until;
    this.#buffers.trim(buffer);
    this.#buffers.resumeIfRoom(buffer);
    return this.#work(range, cut);
  }

  #work(range: OffsetRange, cut: Cut): PartitionWork {
    let shared: SharedArrayBuffer | undefined;
    // Let go once the slot is done with them: the batch's outputs may take long (a slow sink).
    let held = cut.batches;
    const fetchedAt = held[0]?.fetchedAt;
    return {
      range,
      records: cut.records,
      ...(fetchedAt === undefined ? {} : { fetchedAt }),
      task: (info): SlotTask => {
        const { buffer, byteLength } = this.#copy(held);
        shared = buffer;
        return {
          type: 'records',
          info,
          topic: range.topic,
          partition: range.partition,
          fromOffset: range.fromOffset,
          untilOffset: range.untilOffset,
          ...(held[0] ? { firstBatch: toOffset(held[0].base) } : {}),
          buffer,
          byteOffset: 0,
          byteLength,
        };
      },
      settled: () => {
        held = [];
        if (shared) this.#pool.release(shared);
      },
      values: () => {
        const bytes = copyInto(held, Buffer.allocUnsafe(sizeOf(held)));
        return recordValues(range.topic, range.partition, bytes, range.fromOffset, range.untilOffset);
      },
    };
  }

  /** The batches back to back in a pooled shared buffer. */
  #copy(batches: readonly FetchedBatch[]): { buffer: SharedArrayBuffer; byteLength: number } {
    const size = sizeOf(batches);
    const buffer = this.#pool.acquire(Math.max(1, size));
    copyInto(batches, Buffer.from(buffer, 0, size));
    return { buffer, byteLength: size };
  }
}

function sizeOf(batches: readonly FetchedBatch[]): number {
  let size = 0;
  for (const batch of batches) size += batch.bytes.length;
  return size;
}

/**
 * The batches' bytes back to back into `target`. With Buffer#copy (a memmove): into shared
 * memory `Uint8Array#set` copies byte by byte unless source and target share their alignment
 * mod 8, which slices of a response rarely do, 5× slower (measured in docs/performance.md).
 */
function copyInto(batches: readonly FetchedBatch[], target: Buffer): Buffer {
  let at = 0;
  for (const { bytes } of batches) {
    at += Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).copy(target, at);
  }
  return target;
}
