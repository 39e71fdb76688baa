// The codecs' shared shapes: kafkajs's codec interface, LZ4 and Snappy implementations, the codec report.

import type { Compression, NativeMode } from '../config/index.ts';

export type { Compression, NativeMode };

/** A codec as kafkajs's `CompressionCodecs` expects one: `compress` gets kafkajs's Encoder. */
export type KafkajsCodec = {
  compress(encoder: { readonly buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
};

/** The compressed codecs, by their Kafka `compression.type` names. */
export type CodecName = Exclude<Compression, 'none'>;

/** The LZ4 *frame* format (the one Kafka uses), from whichever implementation was selected. */
export type Lz4 = {
  readonly implementation: 'lz4-napi' | 'native-free';
  compressFrame(input: Uint8Array): Buffer;
  /** Throws on input that is not a valid LZ4 frame. */
  decompressFrame(input: Uint8Array): Buffer;
};

/** A raw (unframed) Snappy block codec. */
export type SnappyBlock = {
  readonly implementation: 'snappy' | 'snappyjs';
  compress(input: Uint8Array): Buffer;
  /** Throws on input that is not a valid Snappy block. */
  uncompress(input: Uint8Array): Buffer;
};

/** Which implementation each codec uses in this process. */
export type CodecReport = {
  readonly native: NativeMode;
  readonly lz4: Lz4['implementation'];
  readonly snappy: SnappyBlock['implementation'];
  readonly zstd: 'node:zlib' | 'unavailable';
  readonly gzip: 'node:zlib';
};

/** The logging the codecs do: one line at selection, a warning when a native addon did not load. */
export type CodecLog = {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
};
