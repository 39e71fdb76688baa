/** What a fetched record weighs against the direct source's byte caps (buffers and batches). */
import type { KafkaMessage } from 'kafkajs';

/** What a fetched record holds in memory, as counted against the byte caps: key, value and headers. */
export function recordBytes(message: KafkaMessage): number {
  let bytes = (message.key?.length ?? 0) + (message.value?.length ?? 0);
  const { headers } = message;
  if (!headers) return bytes;
  for (const [name, value] of Object.entries(headers)) {
    bytes += name.length;
    if (Array.isArray(value)) for (const item of value) bytes += item.length;
    else if (value !== undefined) bytes += value.length;
  }
  return bytes;
}

/** Bytes of the first `count` messages. */
export function bytesOf(messages: readonly KafkaMessage[], count = messages.length): number {
  let bytes = 0;
  for (let index = 0; index < count; index++) bytes += recordBytes(messages[index] as KafkaMessage);
  return bytes;
}

/**
 * How many of the first `count` messages fit in `limit` bytes: at least one (when `count` is),
 * so that a record larger than the limit goes alone instead of never.
 */
export function countWithin(messages: readonly KafkaMessage[], count: number, limit: number): number {
  let bytes = 0;
  for (let index = 0; index < count; index++) {
    bytes += recordBytes(messages[index] as KafkaMessage);
    if (bytes > limit) return Math.max(1, index);
  }
  return count;
}
