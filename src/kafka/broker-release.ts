// Which Kafka release a broker runs, from its ApiVersions v3 answer: the metadata.version levels it supports.

import { ErrorCode, SluiceError } from '../errors/index.ts';

/** A feature's version range: what a broker supports, or what the cluster finalized. */
export type FeatureRange = { readonly min: number; readonly max: number };

/** ApiVersions v3's feature fields (KIP-584): the answering broker's, and the cluster's. */
export type BrokerFeatures = {
  readonly supported: ReadonlyMap<string, FeatureRange>;
  readonly finalized: ReadonlyMap<string, FeatureRange>;
};

/**
 * The names of metadata.version's levels, as Kafka's MetadataVersion enum gives them (read from
 * the 3.9.1 and 4.3.1 jars: a level keeps its name from release to release).
 */
const METADATA_VERSIONS: readonly string[] = [
  '',
  '3.0-IV1',
  '3.1-IV0',
  '3.2-IV0',
  '3.3-IV0',
  '3.3-IV1',
  '3.3-IV2',
  '3.3-IV3',
  '3.4-IV0',
  '3.5-IV0',
  '3.5-IV1',
  '3.5-IV2',
  '3.6-IV0',
  '3.6-IV1',
  '3.6-IV2',
  '3.7-IV0',
  '3.7-IV1',
  '3.7-IV2',
  '3.7-IV3',
  '3.7-IV4',
  '3.8-IV0',
  '3.9-IV0',
  '4.0-IV0',
  '4.0-IV1',
  '4.0-IV2',
  '4.0-IV3',
  '4.1-IV0',
  '4.1-IV1',
  '4.2-IV0',
  '4.2-IV1',
  '4.3-IV0',
  '4.4-IV0',
];

/** A metadata.version level's name (`4.3-IV0`), or `level N` for one newer than this table. */
export function metadataVersionName(level: number): string {
  return METADATA_VERSIONS[level] || `level ${level}`;
}

/**
 * What the dashboard says of the cluster's Kafka. Kafka's protocol carries no broker version
 * string; the highest metadata.version a broker supports names its release line (a 4.3.1 broker
 * supports up to 4.3-IV0), and the finalized one is what the cluster runs at (lower until an
 * upgrade is finalized).
 */
export type KafkaRelease = {
  /** The broker's release line, `4.3`; null when it reports no metadata.version (before 3.3, or ZooKeeper mode). */
  readonly release: string | null;
  /** The cluster's finalized metadata.version, `4.3-IV0`; null when none is finalized. */
  readonly metadataVersion: string | null;
};

export function kafkaRelease(features: BrokerFeatures): KafkaRelease {
  const supported = features.supported.get('metadata.version');
  const finalized = features.finalized.get('metadata.version');
  const top = supported && metadataVersionName(supported.max);
  return {
    release:
      top === undefined
        ? null
        : top.startsWith('level ')
          ? `newer than 4.4 (${top})`
          : (top.split('-')[0] ?? top),
    metadataVersion: finalized ? metadataVersionName(finalized.max) : null,
  };
}

/** The request's bytes after kafkajs's v1 header: ApiVersions v3 is flexible (header v2 adds tags). */
export function apiVersionsV3Body(softwareName: string, softwareVersion: string): Buffer {
  return Buffer.concat([
    Buffer.from([0]), // the request header's tagged fields: none
    compactString(softwareName),
    compactString(softwareVersion),
    Buffer.from([0]), // the body's tagged fields: none
  ]);
}

function compactString(value: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  return Buffer.concat([uvarint(bytes.length + 1), bytes]);
}

function uvarint(value: number): Buffer {
  const out: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    out.push((rest & 0x7f) | 0x80);
    rest >>>= 7;
  }
  out.push(rest);
  return Buffer.from(out);
}

/** Kafka's UNSUPPORTED_VERSION: a broker before 2.4 answers v3 with a v0 body saying so. */
const UNSUPPORTED_VERSION = 35;
const SUPPORTED_FEATURES = 0;
const FINALIZED_FEATURES = 2;

/**
 * Reads an ApiVersions v3 response body (its header is v0: the correlation id, which kafkajs
 * takes off). Throws SLUICE_KAFKA for an error code or bytes that do not parse.
 */
export function readApiVersionsV3(payload: Buffer): BrokerFeatures {
  const reader = new Reader(payload);
  const errorCode = reader.int16();
  if (errorCode !== 0) {
    throw new SluiceError(
      ErrorCode.kafka,
      errorCode === UNSUPPORTED_VERSION
        ? 'the broker does not take ApiVersions v3 (Kafka before 2.4)'
        : `the broker answered ApiVersions with error code ${errorCode}`,
    );
  }
  const apis = reader.count();
  for (let index = 0; index < apis; index++) {
    reader.skip(6); // api key, min and max version
    reader.skipTags();
  }
  reader.skip(4); // throttle time
  let supported = new Map<string, FeatureRange>();
  let finalized = new Map<string, FeatureRange>();
  const tags = reader.uvarint();
  for (let index = 0; index < tags; index++) {
    const tag = reader.uvarint();
    const size = reader.uvarint();
    const field = reader.sub(size);
    if (tag === SUPPORTED_FEATURES) supported = readFeatures(field, (min, max) => ({ min, max }));
    // Finalized ranges list their max level first.
    if (tag === FINALIZED_FEATURES) finalized = readFeatures(field, (max, min) => ({ min, max }));
  }
  return { supported, finalized };
}

function readFeatures(
  reader: Reader,
  range: (first: number, second: number) => FeatureRange,
): Map<string, FeatureRange> {
  const features = new Map<string, FeatureRange>();
  const count = reader.count();
  for (let index = 0; index < count; index++) {
    const name = reader.compactString();
    features.set(name, range(reader.int16(), reader.int16()));
    reader.skipTags();
  }
  return features;
}

/** A bounds-checked cursor over a response: running past its end is a SLUICE_KAFKA error. */
class Reader {
  readonly #bytes: Buffer;
  #at = 0;

  constructor(bytes: Buffer) {
    this.#bytes = bytes;
  }

  int16(): number {
    this.#need(2);
    const value = this.#bytes.readInt16BE(this.#at);
    this.#at += 2;
    return value;
  }

  uvarint(): number {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      this.#need(1);
      const byte = this.#bytes[this.#at++] ?? 0;
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
    throw malformed('a varint longer than 5 bytes');
  }

  /** A compact array's length (its varint is length + 1; 0 is null, read as empty). */
  count(): number {
    const count = Math.max(0, this.uvarint() - 1);
    // Each element takes a byte at least: a count beyond the bytes left is no answer of Kafka's.
    this.#need(count);
    return count;
  }

  compactString(): string {
    const length = this.count();
    const text = this.#bytes.toString('utf8', this.#at, this.#at + length);
    this.#at += length;
    return text;
  }

  skip(bytes: number): void {
    this.#need(bytes);
    this.#at += bytes;
  }

  skipTags(): void {
    const tags = this.uvarint();
    for (let index = 0; index < tags; index++) {
      this.uvarint();
      this.skip(this.uvarint());
    }
  }

  /** The next `bytes` bytes as a reader of their own. */
  sub(bytes: number): Reader {
    this.#need(bytes);
    const reader = new Reader(this.#bytes.subarray(this.#at, this.#at + bytes));
    this.#at += bytes;
    return reader;
  }

  #need(bytes: number): void {
    if (this.#at + bytes > this.#bytes.length) {
      throw malformed(`${bytes} bytes needed at byte ${this.#at} of ${this.#bytes.length}`);
    }
  }
}

function malformed(what: string): SluiceError {
  return new SluiceError(ErrorCode.kafka, `the broker's ApiVersions answer does not parse: ${what}`);
}
