// Sink-ready bytes: an output's values as saveAsTextFiles' JSON lines or toKafka's records, made where the values are.
import { keyText, partitionHash, toJson } from '../core/index.ts';
import type { SinkSpec } from '../dsl/index.ts';

type KafkaSpec = Extract<SinkSpec, { type: 'kafka' }>;

/** The sinks whose values a slot encodes into the bytes they write. */
export type EncodedSink = Extract<SinkSpec, { type: 'saveAsTextFiles' | 'kafka' }>;

/** One output's bytes for one batch: a part per partition (in result order), or one from the main thread. */
export type EncodedOutput = { readonly count: number; readonly parts: readonly Uint8Array[] };

/** An output's values, pushed one at a time, then its bytes. */
export type OutputEncoder = {
  push(value: unknown): void;
  readonly count: number;
  bytes(): Uint8Array;
};

export function isEncodedSink(sink: SinkSpec): sink is EncodedSink {
  return sink.type === 'saveAsTextFiles' || sink.type === 'kafka';
}

export function outputEncoder(sink: EncodedSink): OutputEncoder {
  return sink.type === 'kafka' ? new KafkaRecordsEncoder(sink) : new LinesEncoder();
}

/** Encodes values computed on the main thread (after an aggregation) the way a slot would. */
export function encodeOutput(sink: EncodedSink, values: readonly unknown[]): EncodedOutput {
  const encoder = outputEncoder(sink);
  for (const value of values) encoder.push(value);
  return { count: encoder.count, parts: [encoder.bytes()] };
}

/** saveAsTextFiles: each value as one line of JSON (`null` for a value JSON cannot express). */
class LinesEncoder implements OutputEncoder {
  count = 0;
  #text = '';

  push(value: unknown): void {
    const json: string | undefined = toJson(value);
    this.#text += `${json ?? 'null'}\n`;
    this.count++;
  }

  bytes(): Uint8Array {
    return TEXT.encode(this.#text);
  }
}

const TEXT = new TextEncoder();
const NULL_LENGTH = -1;

/**
 * toKafka: per value `[hash int32][key length int32][key][value length int32][value]`, lengths
 * -1 for null. The hash is the partitioner's (`partitionHash`), so the main thread picks the
 * partition with one `%`, and -1 means round-robin. A value JSON cannot express (`undefined`)
 * is written as a null value: a tombstone.
 */
class KafkaRecordsEncoder implements OutputEncoder {
  count = 0;
  readonly #spec: KafkaSpec;
  #bytes = new Uint8Array(4096);
  #view = new DataView(this.#bytes.buffer);
  #length = 0;

  constructor(spec: KafkaSpec) {
    this.#spec = spec;
  }

  push(value: unknown): void {
    const key = kafkaKey(this.#spec, value);
    const body: string | undefined = toJson(value);
    this.#reserve(4);
    const at = this.#length;
    this.#length += 4;
    const keyBytes = this.#text(key);
    const valueBytes = this.#text(body);
    this.#view.setInt32(at, partitionHash(this.#spec.partitioner, keyBytes, valueBytes));
    this.count++;
  }

  /** Writes a length and the UTF-8 of `text` (or -1 for null); returns the bytes written. */
  #text(text: string | null | undefined): Uint8Array | null {
    if (text === null || text === undefined) {
      this.#reserve(4);
      this.#view.setInt32(this.#length, NULL_LENGTH);
      this.#length += 4;
      return null;
    }
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    this.#reserve(4 + text.length * 3);
    const start = this.#length + 4;
    const { written } = TEXT.encodeInto(text, this.#bytes.subarray(start));
    this.#view.setInt32(this.#length, written);
    this.#length = start + written;
    return this.#bytes.subarray(start, start + written);
  }

  #reserve(extra: number): void {
    if (this.#length + extra <= this.#bytes.length) return;
    const grown = new Uint8Array(Math.max(this.#bytes.length * 2, this.#length + extra));
    grown.set(this.#bytes.subarray(0, this.#length));
    this.#bytes = grown;
    this.#view = new DataView(grown.buffer);
  }

  bytes(): Uint8Array {
    return this.#bytes.slice(0, this.#length);
  }
}

/** A toKafka record's key: the `key` option's, else a pair's first element, else none. */
function kafkaKey(spec: KafkaSpec, value: unknown): string | null {
  if (spec.key) {
    const key = spec.key(value);
    return key === null || key === undefined ? null : keyText(key);
  }
  if (Array.isArray(value) && value.length === 2)
    return typeof value[0] === 'string' ? value[0] : toJson(value[0]);
  return null;
}

/** Calls `visit` for each record of a toKafka part, its key and value as views of `part`. */
export function visitKafkaRecords(
  part: Uint8Array,
  visit: (hash: number, key: Uint8Array | null, value: Uint8Array | null) => void,
): void {
  const view = new DataView(part.buffer, part.byteOffset, part.byteLength);
  let at = 0;
  const field = (): Uint8Array | null => {
    const length = view.getInt32(at);
    at += 4;
    if (length === NULL_LENGTH) return null;
    const bytes = part.subarray(at, at + length);
    at += length;
    return bytes;
  };
  while (at < part.length) {
    const hash = view.getInt32(at);
    at += 4;
    const key = field();
    visit(hash, key, field());
  }
}

/**
 * What an encoded output writes, read back as values (the TestDriver's view of it): each line's
 * JSON, or each Kafka record's value JSON (null for a tombstone).
 */
export function writtenValues(sink: EncodedSink, encoded: EncodedOutput): unknown[] {
  const values: unknown[] = [];
  const text = new TextDecoder();
  for (const part of encoded.parts) {
    if (sink.type === 'kafka') {
      visitKafkaRecords(part, (_hash, _key, value) => {
        values.push(value === null ? null : JSON.parse(text.decode(value)));
      });
      continue;
    }
    for (const line of text.decode(part).split('\n')) if (line !== '') values.push(JSON.parse(line));
  }
  return values;
}
