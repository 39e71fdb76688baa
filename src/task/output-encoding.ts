// Sink-ready bytes: an output's values as saveAsTextFiles' JSON lines or toKafka's records, made where the values are.
import { keyText, partitionHash, toJson } from '../core/index.ts';
import type { SinkSpec } from '../dsl/index.ts';
import { GrowableBytes } from './growable-bytes.ts';
import { recordsSection } from './record-batch/decompress.ts';
import { COMPRESSION, readBatchHeader, readRecords } from './record-batch/record-batch.ts';
import { RecordBatchWriter, recordBytes } from './record-batch/record-batch-writer.ts';

type KafkaSpec = Extract<SinkSpec, { type: 'kafka' }>;

/** The sinks whose values a slot encodes into the bytes they write. */
export type EncodedSink = Extract<SinkSpec, { type: 'saveAsTextFiles' | 'kafka' }>;

/**
 * One output's bytes for one batch: JSON lines or toKafka's records, a part per partition (in
 * result order) or one from the main thread; or, where the slots knew the output topic's
 * partitions, whole Kafka record batches with their partitions, ready to produce.
 */
export type EncodedOutput = {
  readonly count: number;
  /** JSON lines or toKafka's records (`visitKafkaRecords`); empty when `batches` are given. */
  readonly parts: readonly Uint8Array[];
  readonly batches?: readonly KafkaBatch[];
};

/** A Kafka record batch (RecordBatch v2) for partition `[0]` of the output topic. */
export type KafkaBatch = [number, Uint8Array];

/** SLUICE_SINK_MAX_BATCH_BYTES's default: the broker's default `message.max.bytes`, near enough. */
export const DEFAULT_SINK_MAX_BATCH_BYTES = 1024 * 1024;

/** What a slot needs to write a toKafka output's record batches itself. */
export type KafkaLayout = {
  readonly partitions: number;
  /** SLUICE_SINK_MAX_BATCH_BYTES: a batch is closed before a record would take it past this. */
  readonly maxBatchBytes: number;
  /** Where round-robin starts (the source partition), so that slots do not all start at 0. */
  readonly start: number;
};

/** An output's values, pushed one at a time, then what goes to the main thread. */
export type OutputEncoder = {
  push(value: unknown): void;
  readonly count: number;
  output(): EncodedOutput;
};

export function isEncodedSink(sink: SinkSpec): sink is EncodedSink {
  return sink.type === 'saveAsTextFiles' || sink.type === 'kafka';
}

/** The encoder of `sink`: toKafka with a layout writes record batches, without one its records. */
export function outputEncoder(sink: EncodedSink, layout?: KafkaLayout): OutputEncoder {
  if (sink.type === 'saveAsTextFiles') return new LinesEncoder();
  return layout ? new KafkaBatchesEncoder(sink, layout) : new KafkaRecordsEncoder(sink);
}

/** Encodes values computed on the main thread (after an aggregation) the way a slot would. */
export function encodeOutput(
  sink: EncodedSink,
  values: readonly unknown[],
  layout?: KafkaLayout,
): EncodedOutput {
  const encoder = outputEncoder(sink, layout);
  for (const value of values) encoder.push(value);
  return encoder.output();
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

  output(): EncodedOutput {
    return { count: this.count, parts: [TEXT.encode(this.#text)] };
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
  readonly #out = new GrowableBytes(4096);

  constructor(spec: KafkaSpec) {
    this.#spec = spec;
  }

  push(value: unknown): void {
    const key = kafkaKey(this.#spec, value);
    const body: string | undefined = toJson(value);
    const out = this.#out;
    out.reserve(4);
    const at = out.length;
    out.length += 4;
    const keyBytes = this.#field(key);
    const valueBytes = this.#field(body);
    out.view.setInt32(at, partitionHash(this.#spec.partitioner, keyBytes, valueBytes));
    this.count++;
  }

  /** Writes a length and the UTF-8 of `text` (or -1 for null); returns the bytes written. */
  #field(text: string | null | undefined): Uint8Array | null {
    const out = this.#out;
    out.reserve(4);
    const at = out.length;
    out.length += 4;
    if (text === null || text === undefined) {
      out.view.setInt32(at, NULL_LENGTH);
      return null;
    }
    const written = out.text(text);
    out.view.setInt32(at, written);
    return out.bytes.subarray(at + 4, at + 4 + written);
  }

  output(): EncodedOutput {
    return { count: this.count, parts: [this.#out.written()] };
  }
}

/**
 * toKafka where the slot knows the topic's partitions: each value as a record of its partition's
 * record batch (the partitioner's, round-robin for what has nothing to hash), a batch closed
 * before a record would take it past `maxBatchBytes`. What is hashed is encoded into a scratch
 * buffer, reused: nothing is allocated per record but the value's JSON.
 */
class KafkaBatchesEncoder implements OutputEncoder {
  count = 0;
  readonly #spec: KafkaSpec;
  readonly #layout: KafkaLayout;
  readonly #codec: number;
  readonly #timestamp = Date.now();
  readonly #open = new Map<number, RecordBatchWriter>();
  readonly #closed: KafkaBatch[] = [];
  readonly #scratch = new GrowableBytes();
  #next: number;

  constructor(spec: KafkaSpec, layout: KafkaLayout) {
    this.#spec = spec;
    this.#layout = layout;
    this.#codec = COMPRESSION[spec.compression];
    this.#next = layout.start;
  }

  push(value: unknown): void {
    const key = kafkaKey(this.#spec, value);
    const body: string | undefined = toJson(value);
    const scratch = this.#scratch;
    scratch.length = 0;
    const keyLength = key === null ? -1 : scratch.text(key);
    const hashValue = this.#spec.partitioner === 'hash-value' && body !== undefined;
    const valueLength = body === undefined ? -1 : hashValue ? scratch.text(body) : Buffer.byteLength(body);
    // Views of the scratch once both are written (a second write may have moved it).
    const keyBytes = keyLength < 0 ? null : scratch.bytes.subarray(0, keyLength);
    const valueBytes = hashValue ? scratch.bytes.subarray(Math.max(keyLength, 0), scratch.length) : null;
    const hash = partitionHash(this.#spec.partitioner, keyBytes, valueBytes);
    const { partitions, maxBatchBytes } = this.#layout;
    const partition = hash >= 0 ? hash % partitions : this.#next++ % partitions;
    let writer = this.#open.get(partition);
    const size = recordBytes(keyLength, valueLength);
    if (writer && writer.count > 0 && writer.size + size > maxBatchBytes) {
      this.#closed.push([partition, writer.finish(this.#codec, this.#timestamp)]);
      writer = undefined;
    }
    if (!writer) {
      writer = new RecordBatchWriter();
      this.#open.set(partition, writer);
    }
    writer.append(keyBytes, valueBytes ?? body ?? null, valueLength);
    this.count++;
  }

  output(): EncodedOutput {
    const batches = [...this.#closed];
    for (const [partition, writer] of this.#open)
      batches.push([partition, writer.finish(this.#codec, this.#timestamp)]);
    return { count: this.count, parts: [], batches };
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
  if (encoded.batches) {
    for (const [, batch] of encoded.batches) {
      for (const value of batchValues(batch))
        values.push(value === null ? null : JSON.parse(text.decode(value)));
    }
    return values;
  }
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

/** The values of a record batch this module wrote, as views (null for a tombstone). */
function batchValues(batch: Uint8Array): (Uint8Array | null)[] {
  const header = readBatchHeader(batch, 0);
  if (header === 'partial') throw new Error('a record batch cut short');
  const section = recordsSection(batch, 0, header, READ_BACK_BYTES);
  const values: (Uint8Array | null)[] = [];
  readRecords(section.bytes, section.start, section.end, header, (record) => {
    const { valueStart, valueLength } = record;
    values.push(valueLength < 0 ? null : section.bytes.subarray(valueStart, valueStart + valueLength));
  });
  return values;
}

/** What a batch read back may decompress to: more than SLUICE_SINK_MAX_BATCH_BYTES can be. */
const READ_BACK_BYTES = 2 ** 31 - 1;
