// Dead-letter records: their headers, and requests that fit the topic's max.message.bytes.

import { ErrorCode, SluiceError } from '../errors/index.ts';
import type { DecodeFailure } from '../task/index.ts';

/** Headers that say where a dead-lettered record came from, why it failed, and what was cut. */
export const DLQ_HEADERS = {
  topic: 'sluice.origin.topic',
  partition: 'sluice.origin.partition',
  offset: 'sluice.origin.offset',
  error: 'sluice.error',
  /** Present when the value was cut to fit the topic: its length in bytes before. */
  valueOriginalLength: 'sluice.value.original.length',
  valueTruncated: 'sluice.value.truncated',
  keyOriginalLength: 'sluice.key.original.length',
  keyTruncated: 'sluice.key.truncated',
} as const;

/** A topic's `max.message.bytes` when it cannot be read: the brokers' default (1 MiB + 12). */
export const DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

/** At most this many UTF-8 bytes of error text go into `sluice.error`. */
export const ERROR_HEADER_BYTES = 400;

/**
 * A record batch (magic 2) without records: base offset 8, length 4, leader epoch 4, magic 1,
 * CRC 4, attributes 2, last offset delta 4, first and max timestamps 16, producer id 8, producer
 * epoch 2, base sequence 4, record count 4. The brokers hold the whole of it to `max.message.bytes`.
 */
export const RECORD_BATCH_OVERHEAD = 61;

/** One dead letter as the producer sends it. */
export type DeadLetter = {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, string>>;
};

/**
 * The dead letters of `failures`, in order, grouped so that each group sent as one uncompressed
 * record batch takes at most `maxMessageBytes`. A letter that alone would not fit has its value
 * cut (then its key), with headers giving the original lengths. A group holds records of every
 * partition the producer spreads it over, so each partition's batch is smaller still.
 * Throws `SLUICE_DLQ` when not even a letter's headers fit.
 */
export function planDeadLetters(
  topic: string,
  failures: readonly DecodeFailure[],
  maxMessageBytes: number,
): DeadLetter[][] {
  const room = maxMessageBytes - RECORD_BATCH_OVERHEAD;
  const groups: DeadLetter[][] = [];
  let group: DeadLetter[] = [];
  let used = 0;
  for (const failure of failures) {
    const letter = fitted(topic, failure, room);
    let size = recordSize(letter, group.length);
    if (group.length > 0 && used + size > room) {
      groups.push(group);
      group = [];
      used = 0;
      size = recordSize(letter, 0);
    }
    group.push(letter);
    used += size;
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

/** The letter for one failure, cut so that it alone (at offset delta 0) takes at most `room` bytes. */
function fitted(topic: string, failure: DecodeFailure, room: number): DeadLetter {
  const headers: Record<string, string> = {
    [DLQ_HEADERS.topic]: failure.topic,
    [DLQ_HEADERS.partition]: String(failure.partition),
    [DLQ_HEADERS.offset]: failure.offset.toString(),
    [DLQ_HEADERS.error]: boundedText(failure.error, ERROR_HEADER_BYTES),
  };
  let letter: DeadLetter = {
    key: failure.key ? Buffer.from(failure.key) : null,
    value: failure.value ? Buffer.from(failure.value) : null,
    headers,
  };
  for (const field of ['value', 'key'] as const) {
    if (recordSize(letter, 0) <= room) return letter;
    letter = cut(letter, field, room);
  }
  if (recordSize(letter, 0) > room) {
    throw deadLetterError(
      topic,
      `it takes at most ${room + RECORD_BATCH_OVERHEAD} bytes per batch (max.message.bytes), fewer than a dead letter's headers need (${recordSize(letter, 0) + RECORD_BATCH_OVERHEAD})`,
    );
  }
  return letter;
}

/** `letter` with `field` cut to the most bytes that keep it within `room` (maybe none), headers saying so. */
function cut(letter: DeadLetter, field: 'key' | 'value', room: number): DeadLetter {
  const bytes = letter[field];
  if (bytes === null) return letter;
  const [length, truncated] =
    field === 'key'
      ? [DLQ_HEADERS.keyOriginalLength, DLQ_HEADERS.keyTruncated]
      : [DLQ_HEADERS.valueOriginalLength, DLQ_HEADERS.valueTruncated];
  const marked = {
    ...letter,
    headers: { ...letter.headers, [length]: String(bytes.length), [truncated]: 'true' },
  };
  const kept = bytes.subarray(0, longest(marked, field, room));
  return field === 'key' ? { ...marked, key: kept } : { ...marked, value: kept };
}

/**
 * The most bytes of `letter`'s `field` that keep the record within `room`. Each byte more costs a
 * byte, plus a byte each time a length varint grows: a few steps settle it.
 */
function longest(letter: DeadLetter, field: 'key' | 'value', room: number): number {
  const sized = (n: number): number => recordSize(letter, 0, field === 'key' ? { key: n } : { value: n });
  let n = Math.min(letter[field]?.length ?? 0, room - sized(0));
  while (n > 0 && sized(n) > room) n -= sized(n) - room;
  return Math.max(0, n);
}

/**
 * The bytes one record takes in a record batch (magic 2), as kafkajs writes it with a timestamp
 * delta of 0: length varint, attributes, timestamp delta, offset delta, key, value, headers.
 * `lengths` stands in for the key's or value's length without building the bytes.
 */
export function recordSize(
  letter: DeadLetter,
  offsetDelta: number,
  lengths: { readonly key?: number; readonly value?: number } = {},
): number {
  const headers = Object.entries(letter.headers);
  let body =
    1 +
    varintSize(0) +
    varintSize(offsetDelta) +
    bytesSize(lengths.key ?? letter.key?.length) +
    bytesSize(lengths.value ?? letter.value?.length) +
    varintSize(headers.length);
  for (const [name, text] of headers)
    body += bytesSize(Buffer.byteLength(name)) + bytesSize(Buffer.byteLength(text));
  return varintSize(body) + body;
}

function bytesSize(length: number | undefined): number {
  return length === undefined ? varintSize(-1) : varintSize(length) + length;
}

/** Bytes of a zig-zag varint. */
function varintSize(value: number): number {
  let zigzag = value >= 0 ? value * 2 : -value * 2 - 1;
  let bytes = 1;
  while (zigzag >= 128) {
    zigzag = Math.floor(zigzag / 128);
    bytes++;
  }
  return bytes;
}

/**
 * `text` if it takes at most `maxBytes` in UTF-8, else its head, cut between characters, then
 * `… (N bytes)` with its whole length; the result takes at most `maxBytes`. A loop over the
 * head only: the text may be megabytes.
 */
export function boundedText(text: string, maxBytes: number): string {
  if (text.length * 3 <= maxBytes || Buffer.byteLength(text) <= maxBytes) return text;
  const tail = `… (${Buffer.byteLength(text)} bytes)`;
  const budget = maxBytes - Buffer.byteLength(tail);
  let used = 0;
  let end = 0;
  while (end < text.length) {
    const code = text.codePointAt(end) ?? 0;
    const size = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    if (used + size > budget) break;
    used += size;
    end += code >= 0x10000 ? 2 : 1;
  }
  return `${text.slice(0, end)}${tail}`;
}

/** The error that stops a run whose dead letters cannot be written. */
export function deadLetterError(topic: string, reason: string, cause?: unknown): SluiceError {
  return new SluiceError(
    ErrorCode.deadLetter,
    `cannot write dead letters to topic ${topic} (SLUICE_DLQ_TOPIC): ${reason}; nothing of the batch was committed`,
    cause === undefined ? undefined : { cause },
  );
}
