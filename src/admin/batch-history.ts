// The last batches' stats in a bounded ring, as /api/batches and the dashboard show them.

import type { BatchStats } from '../coordinator/index.ts';
import { BATCH_HISTORY_SIZE } from './options.ts';
import type { BatchDetail, BatchRecord, OffsetRangeJson } from './types.ts';

/** A batch's stats as the JSON `/api/batches` returns. */
export function batchRecord(stats: BatchStats): BatchRecord {
  const { info } = stats;
  return {
    batchId: info.batchId,
    time: info.time,
    intervalMs: info.intervalMs,
    offsetRanges: offsetRangesJson(info.offsetRanges),
    records: {
      consumed: stats.consumed,
      processed: stats.records,
      late: stats.late,
      decodeErrors: stats.decodeErrors,
      deadLettered: stats.deadLettered,
    },
    schedulingDelayMs: stats.schedulingDelayMs,
    processingMs: stats.processingMs,
    slotsMs: stats.slotsMs,
    outputMs: stats.outputMs,
    totalDelayMs: stats.schedulingDelayMs + stats.processingMs,
    fetchWaitMs: stats.fetchWaitMs ?? null,
    latency: stats.latency ? stats.latency.summary() : null,
    watermark: Number.isFinite(stats.watermark) ? stats.watermark : null,
    rate: stats.rate ?? null,
    tuning: stats.tuning ? { ...stats.tuning, intervalMs: stats.tuning.intervalMs ?? null } : null,
  };
}

/** Offset ranges as JSON: bigint offsets as decimal strings. */
export function offsetRangesJson(ranges: BatchStats['info']['offsetRanges']): OffsetRangeJson[] {
  return ranges.map((range) => ({
    topic: range.topic,
    partition: range.partition,
    fromOffset: range.fromOffset.toString(),
    untilOffset: range.untilOffset.toString(),
  }));
}

/** A batch's record with what its partitions, operators and outputs did. */
export function batchDetail(stats: BatchStats, record = batchRecord(stats)): BatchDetail {
  return {
    ...record,
    partitions: stats.partitions ?? [],
    operators: stats.operators ?? [],
    outputs: stats.outputs ?? [],
    keyedPartitions: stats.keyedPartitions ?? null,
  };
}

/** The last `capacity` batches, in a ring: memory stays bounded however long the process runs. */
export class BatchHistory {
  readonly #capacity: number;
  readonly #ring: BatchDetail[] = [];
  #next = 0;

  constructor(capacity = BATCH_HISTORY_SIZE) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`a batch history holds at least 1 batch; got ${capacity}`);
    }
    this.#capacity = capacity;
  }

  add(stats: BatchStats): void {
    const record = batchDetail(stats);
    if (this.#ring.length < this.#capacity) this.#ring.push(record);
    else this.#ring[this.#next] = record;
    this.#next = (this.#next + 1) % this.#capacity;
  }

  /** Newest first, like the Spark UI's table of completed batches. */
  list(): BatchRecord[] {
    return this.#newestFirst().map(recordOf);
  }

  /** The batch `batchId` with its drill-down, while the history holds it. */
  get(batchId: number): BatchDetail | undefined {
    return this.#ring.find((detail) => detail.batchId === batchId);
  }

  /** The newest batch's drill-down, if any. */
  newest(): BatchDetail | undefined {
    return this.#newestFirst()[0];
  }

  #newestFirst(): BatchDetail[] {
    const oldestFirst =
      this.#ring.length < this.#capacity
        ? this.#ring
        : [...this.#ring.slice(this.#next), ...this.#ring.slice(0, this.#next)];
    return oldestFirst.toReversed();
  }
}

/** A drill-down without its detail: what /api/batches lists. */
function recordOf(detail: BatchDetail): BatchRecord {
  const { partitions: _p, operators: _o, outputs: _out, keyedPartitions: _k, ...record } = detail;
  return record;
}
