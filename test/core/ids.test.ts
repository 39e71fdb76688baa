import { describe, expect, it } from 'vitest';
import { parsePartitionId, partitionId, partitionName } from '../../src/core/index.ts';

describe('partition identities', () => {
  it('round-trips a partition id, topics with dashes and dots included', () => {
    for (const [topic, partition] of [
      ['clicks', 0],
      ['a-b.c_d-7', 12],
      ['', 3],
    ] as const) {
      expect(parsePartitionId(partitionId(topic, partition))).toEqual({ topic, partition });
    }
  });

  it('keeps topic a-1 partition 2 apart from topic a partition 12 (the map key does not use the dash)', () => {
    expect(partitionId('a-1', 2)).not.toBe(partitionId('a', 12));
    expect(partitionId('a-1', 2)).toBe('a-1\u00002');
  });

  it("names a partition Kafka's way, the form changelog keys and checkpoint files use", () => {
    expect(partitionName('clicks', 3)).toBe('clicks-3');
  });
});
