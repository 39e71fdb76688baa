// Default import: Node's CommonJS export detection misses `CompressionCodecs` in kafkajs's index.js.
import kafkajs, { CompressionTypes } from 'kafkajs';
import type { Compression, NativeMode } from '../config/index.ts';
import { gzipCodec } from './codec-gzip.ts';
import { lz4Codec } from './codec-lz4.ts';
import { snappyCodec } from './codec-snappy.ts';
import { hasZstd, zstdCodec } from './codec-zstd.ts';
import { guarded } from './corrupt-batch.ts';
import { type Selection, selection } from './select-native.ts';
import type { CodecLog, CodecReport, KafkajsCodec } from './types.ts';

let registered = false;

/** Which implementation each codec uses in this process (selecting them if nothing did yet). */
export function codecReport(chosen: Selection = selection()): CodecReport {
  return {
    native: chosen.mode,
    lz4: chosen.lz4.implementation,
    snappy: chosen.snappy.implementation,
    zstd: hasZstd() ? 'node:zlib' : 'unavailable',
    gzip: 'node:zlib',
  };
}

/** The one start-up line: info when the selection is what `SLUICE_NATIVE` asked for, warn on a fallback. */
export function logSelection(log: CodecLog, chosen: Selection = selection()): void {
  const report = codecReport(chosen);
  const message = `compression codecs: lz4 via ${report.lz4}, snappy via ${report.snappy}, zstd via ${report.zstd}, gzip via node:zlib (SLUICE_NATIVE=${chosen.mode})`;
  if (chosen.fallbacks.length > 0) log.warn({ codecs: report, fallbacks: chosen.fallbacks }, message);
  else log.info({ codecs: report }, message);
}

/**
 * Puts gzip, snappy, LZ4 and zstd into kafkajs's `CompressionCodecs`, so every kafkajs client in
 * the process reads and writes them; decompression failures become placeholder records (see
 * corrupt-batch.ts). Idempotent: the first call selects the implementations (for `native`, by
 * default `SLUICE_NATIVE`'s mode) and logs one line saying which; later calls do nothing.
 *
 * @example
 * registerCodecs(log);
 * await producer.send({ topic, compression: CompressionTypes.LZ4, messages });
 */
export function registerCodecs(log?: CodecLog, native?: NativeMode): CodecReport {
  const chosen = selection(native);
  if (!registered) {
    const codecs: Record<number, () => KafkajsCodec> = kafkajs.CompressionCodecs;
    const gzip = guarded('gzip', gzipCodec());
    const snappy = guarded('snappy', snappyCodec());
    const lz4 = guarded('lz4', lz4Codec());
    const zstd = guarded('zstd', zstdCodec());
    codecs[CompressionTypes.GZIP] = () => gzip;
    codecs[CompressionTypes.Snappy] = () => snappy;
    codecs[CompressionTypes.LZ4] = () => lz4;
    codecs[CompressionTypes.ZSTD] = () => zstd;
    registered = true;
    if (log) logSelection(log, chosen);
  }
  return codecReport(chosen);
}

const TYPES: Readonly<Record<Compression, CompressionTypes>> = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
};

/** kafkajs's `CompressionTypes` value for a Kafka `compression.type` name. */
export function compressionType(name: Compression): CompressionTypes {
  return TYPES[name];
}
