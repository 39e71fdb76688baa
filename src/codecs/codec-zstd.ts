// zstd for kafkajs on Node's built-in zlib, failing clearly on a Node without it.

import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { ErrorCode, SluiceError } from '../errors/index.ts';
import type { KafkajsCodec } from './types.ts';

/** Node's built-in zstd (zlib.zstdCompress, since Node 22.15 and 23.8), or undefined before it. */
function builtIn():
  | { compress: (input: Buffer) => Promise<Buffer>; decompress: (input: Buffer) => Promise<Buffer> }
  | undefined {
  if (typeof zlib.zstdCompress !== 'function' || typeof zlib.zstdDecompress !== 'function') return undefined;
  return { compress: promisify(zlib.zstdCompress), decompress: promisify(zlib.zstdDecompress) };
}

const zstd = builtIn();

/** Whether this Node has zstd built in. */
export function hasZstd(): boolean {
  return zstd !== undefined;
}

/** Not a bad batch but a missing codec: `retriable: false` makes the guard and kafkajs stop on it. */
function missing(): SluiceError {
  const error = new SluiceError(
    ErrorCode.kafka,
    `zstd needs Node >= 22.15 (zlib.zstdCompress); this is Node ${process.versions.node}`,
  );
  return Object.assign(error, { retriable: false });
}

/**
 * zstd for kafkajs on Node's zlib: Kafka stores a zstd batch as zstd frames (the Java client
 * streams them through zstd-jni, without a content size), which the streaming decoder reads. The
 * level is zstd's default, 3, as Kafka's `compression.zstd.level`. Runs on libuv's thread pool.
 */
export function zstdCodec(): KafkajsCodec {
  return {
    compress: async (encoder) => {
      if (!zstd) throw missing();
      return zstd.compress(encoder.buffer);
    },
    decompress: async (buffer) => {
      if (!zstd) throw missing();
      return zstd.decompress(buffer);
    },
  };
}
