import type { KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { bytesOf, countWithin, recordBytes } from '../../../src/kafka/consumer/record-bytes.ts';

function message(valueBytes: number, extra: Partial<KafkaMessage> = {}): KafkaMessage {
  return {
    key: null,
    value: Buffer.alloc(valueBytes),
    timestamp: '0',
    attributes: 0,
    offset: '0',
    headers: {},
    ...extra,
  } as KafkaMessage;
}

describe('record bytes', () => {
  it('counts the key, the value and every header name and value', () => {
    const counted = message(10, {
      key: Buffer.alloc(3),
      headers: { ab: Buffer.alloc(5), c: ['xy', Buffer.alloc(4)], gone: undefined },
    });
    expect(recordBytes(counted)).toBe(3 + 10 + 2 + 5 + 1 + 2 + 4 + 4);
    expect(recordBytes(message(0, { value: null }))).toBe(0);
    expect(bytesOf([message(7), message(9), message(100)], 2)).toBe(16);
  });

  it('fits records in a byte limit, and takes a record larger than the limit alone', () => {
    const messages = [message(40), message(40), message(40), message(500), message(10)];
    expect(countWithin(messages, 5, 100)).toBe(2);
    expect(countWithin(messages, 5, 120)).toBe(3);
    expect(countWithin(messages, 2, 1000)).toBe(2);
    expect(countWithin(messages.slice(3), 2, 100)).toBe(1);
    expect(countWithin(messages, 5, 0)).toBe(1);
    expect(countWithin(messages, 0, 100)).toBe(0);
    // Records without bytes (tombstones) never fill a batch.
    expect(countWithin([message(0, { value: null }), message(0, { value: null })], 2, 0)).toBe(2);
  });
});
