import type { KafkaMessageLike } from '../../src/task/batch-writer.ts';

/** A record as kafkajs hands it over, with a fixed timestamp. */
export function message(offset: string, value: string | null, key: string | null = null): KafkaMessageLike {
  return {
    key: key === null ? null : Buffer.from(key),
    value: value === null ? null : Buffer.from(value),
    offset,
    timestamp: '1700000000000',
  };
}
