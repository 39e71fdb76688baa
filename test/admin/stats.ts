import type { BatchStats } from '../../src/coordinator/index.ts';
import { toOffset } from '../../src/core/index.ts';

/** A batch's stats with the given figures: two partitions of topic `clicks`. */
export function batchStats(batchId: number, overrides: Partial<BatchStats> = {}): BatchStats {
  return {
    info: {
      batchId,
      time: 1_700_000_000_000 + batchId * 1000,
      intervalMs: 1000,
      offsetRanges: [
        {
          topic: 'clicks',
          partition: 0,
          fromOffset: toOffset(BigInt(batchId * 10)),
          untilOffset: toOffset(BigInt(batchId * 10 + 10)),
        },
        {
          topic: 'clicks',
          partition: 1,
          fromOffset: toOffset(BigInt(batchId * 5)),
          untilOffset: toOffset(BigInt(batchId * 5 + 5)),
        },
      ],
    },
    consumed: 15,
    records: 14,
    decodeErrors: 1,
    deadLettered: 1,
    late: 2,
    watermark: Number.NEGATIVE_INFINITY,
    schedulingDelayMs: 20,
    processingMs: 230,
    slotsMs: 180,
    outputMs: 45,
    ...overrides,
  };
}
