import type { Producer } from 'kafkajs';
import type { DecodeFailure } from '../stream/index.ts';

/** Headers that say where a dead-lettered record came from and why it failed. */
export const DLQ_HEADERS = {
  topic: 'sluice.origin.topic',
  partition: 'sluice.origin.partition',
  offset: 'sluice.origin.offset',
  error: 'sluice.error',
} as const;

/** Writes each undecodable record's original bytes to the dead-letter topic, with its origin in headers. */
export async function sendToDeadLetter(
  producer: Producer,
  topic: string,
  failures: readonly DecodeFailure[],
): Promise<void> {
  await producer.send({
    topic,
    messages: failures.map((failure) => ({
      key: failure.key ? Buffer.from(failure.key) : null,
      value: failure.value ? Buffer.from(failure.value) : null,
      headers: {
        [DLQ_HEADERS.topic]: failure.topic,
        [DLQ_HEADERS.partition]: String(failure.partition),
        [DLQ_HEADERS.offset]: failure.offset.toString(),
        [DLQ_HEADERS.error]: failure.error,
      },
    })),
  });
}
