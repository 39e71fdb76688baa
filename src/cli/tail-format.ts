// How `sluice tail` shows a record: text for people (JSON values pretty-printed), or one JSON line
// for programs. Bytes that are not UTF-8 are shown as base64 in both.

import { clipText } from '../errors/index.ts';

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
  /** kafkajs' headers: a key given more than once holds its values in order. */
  readonly headers?: Readonly<Record<string, RawHeader | readonly RawHeader[] | undefined>>;
};

type RawHeader = Buffer | string | null;

/** A header as `sluice tail --json` gives it: `value` is the UTF-8 text, base64 (`binary`), or null. */
export type TailHeader = {
  readonly key: string;
  readonly value: string | null;
  readonly format: KeyFormat;
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
  /** With both key and value: every header, in order (at most 100, values clipped to 1,000 characters). */
  readonly headers?: readonly TailHeader[];
  /** Headers left out past the first 100. */
  readonly headersOmitted?: number;
};

/** Headers shown as text, and their values' characters; JSON shows more of both. */
const TEXT_HEADERS = { count: 20, chars: 200 } as const;
const JSON_HEADERS = { count: 100, chars: 1000 } as const;
const KEY_CHARS = 200;
// Control characters would break the one line a header takes: such values are shown JSON-quoted.
const CONTROL = /\p{Cc}/u;

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

/**
 * The record's headers in order (a repeated key once per value), the first `count` of them, each
 * value decoded as `decodeKey` does and clipped to `chars`; and how many were left out.
 */
function headerList(
  record: TailRecord,
  limit: { readonly count: number; readonly chars: number },
): { readonly shown: TailHeader[]; readonly omitted: number } {
  const shown: TailHeader[] = [];
  let omitted = 0;
  for (const [key, raw] of Object.entries(record.headers ?? {})) {
    const values = Array.isArray(raw) ? raw : [raw];
    for (const value of values as readonly (RawHeader | undefined)[]) {
      if (shown.length >= limit.count) {
        omitted++;
        continue;
      }
      const decoded = decodeKey(typeof value === 'string' ? Buffer.from(value) : (value ?? null));
      const text = decoded.value === null ? null : clipText(decoded.value, limit.chars);
      shown.push({ key: clipText(key, KEY_CHARS), value: text, format: decoded.format });
    }
  }
  return { shown, omitted };
}

/** One line per header: `header <key>: <value>`, then how many were left out. */
function headerLines(record: TailRecord): string {
  const { shown, omitted } = headerList(record, TEXT_HEADERS);
  const lines = shown.map(({ key, value, format }) => {
    const text = format === 'null' ? '(null)' : format === 'binary' ? `(binary) ${value}` : (value ?? '');
    return `header ${key}: ${CONTROL.test(text) ? JSON.stringify(text) : text}\n`;
  });
  if (omitted > 0) lines.push(`header … ${omitted} more\n`);
  return lines.join('');
}

function timestampText(timestamp: string): string {
  const ms = Number(timestamp);
  return ms < 0 || !Number.isFinite(ms) ? 'no timestamp' : new Date(ms).toISOString();
}

/**
 * The record as text: a line with partition, offset, timestamp and key, one line per Kafka header
 * (`header <key>: <value>`, at most 20, values cut at 200 characters), and the value, JSON
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
  return `partition ${record.partition} · offset ${record.offset} · ${timestampText(record.timestamp)} · key ${key}\n${headerLines(record)}${value}`;
}

/**
 * The record as one JSON line's object, headers included; with `key` or `value` only that field
 * (and its format).
 */
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
  const { shown, omitted } = headerList(record, JSON_HEADERS);
  return {
    ...head,
    ...keyPart,
    ...valuePart,
    headers: shown,
    ...(omitted > 0 ? { headersOmitted: omitted } : {}),
  };
}
