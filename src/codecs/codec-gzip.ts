// gzip for kafkajs on Node's zlib: ours rather than kafkajs's so a corrupt batch gets the same guard.

import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { KafkajsCodec } from './types.ts';

const gzip = promisify(zlib.gzip);
const unzip = promisify(zlib.unzip);

/** gzip for kafkajs, as kafkajs's own (zlib, default level); ours so bad batches get the same guard. */
export function gzipCodec(): KafkajsCodec {
  return {
    compress: async (encoder) => gzip(encoder.buffer),
    decompress: async (buffer) => unzip(buffer),
  };
}
