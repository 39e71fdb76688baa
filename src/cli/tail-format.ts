// How `sluice tail` shows a record: text for people (JSON values pretty-printed), or one JSON line
// for programs. Bytes that are not UTF-8 are shown as base64 in both.

/** A consumed record as kafkajs hands it over. */
export type TailRecord = {
  readonly topic: string;
  readonly partition: number;
  /** kafkajs' decimal string. */
  readonly offset: string;
  /** Epoch milliseconds as a decimal string; -1 for a record without a timestamp. */
  readonly timestamp: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
};

export const TAIL_FIELDS = ['all', 'key', 'value'] as const;
/** `key` for --key-only, `value` for --value-only. */
export type TailFields = (typeof TAIL_FIELDS)[number];

/** What a record's value was: parsed JSON, UTF-8 text, other bytes (base64), or a null (tombstone). */
export type ValueFormat = 'json' | 'text' | 'binary' | 'null';
export type KeyFormat = 'text' | 'binary' | 'null';

/** One JSON line of `sluice tail --json`. */
export type TailJson = {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
  readonly key?: string | null;
  readonly keyFormat?: KeyFormat;
  readonly value?: unknown;
  readonly valueFormat?: ValueFormat;
};

const utf8 = new TextDecoder('utf-8', { fatal: true });

function text(bytes: Buffer): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

type DecodedKey =
  | { readonly format: 'text' | 'binary'; readonly value: string }
  | { readonly format: 'null'; readonly value: null };
type Decoded = DecodedKey | { readonly format: 'json'; readonly value: unknown };

function decodeKey(key: Buffer | null): DecodedKey {
  if (key === null) return { format: 'null', value: null };
  const decoded = text(key);
  return decoded === undefined
    ? { format: 'binary', value: key.toString('base64') }
    : { format: 'text', value: decoded };
}

function decodeValue(value: Buffer | null): Decoded {
  const decoded = decodeKey(value);
  if (decoded.format !== 'text' || decoded.value.trim() === '') return decoded;
  try {
    return { format: 'json', value: JSON.parse(decoded.value) };
  } catch {
    return decoded;
  }
}

function shown(decoded: Decoded): string {
  switch (decoded.format) {
    case 'null':
      return '(null)';
    case 'binary':
      return `(binary) ${decoded.value}`;
    case 'json':
      return JSON.stringify(decoded.value, null, 2);
    default:
      return decoded.value === '' ? '(empty)' : decoded.value;
  }
}

function timestampText(timestamp: string): string {
  const ms = Number(timestamp);
  return ms < 0 || !Number.isFinite(ms) ? 'no timestamp' : new Date(ms).toISOString();
}

/**
 * The record as text: a header line (partition, offset, timestamp, key) and the value, JSON
 * indented by two spaces; with `key` or `value` only that field. Ends without a newline.
 *
 * @example
 * formatTailRecord({ topic: 't', partition: 0, offset: '5', timestamp: '0', key: Buffer.from('k'), value: Buffer.from('{"a":1}') }, 'all');
 * // 'partition 0 · offset 5 · 1970-01-01T00:00:00.000Z · key k\n{\n  "a": 1\n}'
 */
export function formatTailRecord(record: TailRecord, fields: TailFields): string {
  const key = shown(decodeKey(record.key));
  if (fields === 'key') return key;
  const value = shown(decodeValue(record.value));
  if (fields === 'value') return value;
  return `partition ${record.partition} · offset ${record.offset} · ${timestampText(record.timestamp)} · key ${key}\n${value}`;
}

/** The record as one JSON line's object; with `key` or `value` only that field (and its format). */
export function tailJson(record: TailRecord, fields: TailFields): TailJson {
  const head = {
    topic: record.topic,
    partition: record.partition,
    offset: Number(record.offset),
    timestamp: Number(record.timestamp),
  };
  const key = decodeKey(record.key);
  const value = decodeValue(record.value);
  const keyPart = { key: key.value, keyFormat: key.format };
  const valuePart = { value: value.value, valueFormat: value.format };
  if (fields === 'key') return { ...head, ...keyPart };
  if (fields === 'value') return { ...head, ...valuePart };
  return { ...head, ...keyPart, ...valuePart };
}
