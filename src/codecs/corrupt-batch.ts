// A compressed batch that does not decompress becomes placeholder records instead of a consumer crash loop.

import { encodeMarker, type UndecompressableBatch } from '../core/index.ts';
import { ErrorCode, SluiceError } from '../errors/index.ts';
import type { CodecName, KafkajsCodec } from './types.ts';

/*
 * A compressed batch that does not decompress. kafkajs 2.2.4 calls the codec inside the decoding
 * of the whole Fetch response (protocol/recordBatch/v0/decoder.js), so a codec that throws fails
 * the response of every partition led by that broker; the consumer's retrier refetches the same
 * offsets, gives up after its retries and restarts the consumer, forever (a crash loop), because the
 * error is not marked non-retriable.
 *
 * kafkajs hands the codec a slice of the response buffer (Buffer#slice shares memory), so the
 * 61 bytes before it are the batch header: base offset, last offset delta, record count. The guard
 * checks that they are (magic 2, the batch length matches the slice, the codec bits match), and
 * instead of throwing returns a "decompressed" batch of as many placeholder records as the header
 * counts. kafkajs decodes them like any record (they keep the batch's offsets), and the worker's
 * value decoder turns each placeholder into a SLUICE_DECODE error, which SLUICE_ON_DECODE_ERROR
 * handles with the record's topic, partition and offset (see marker.ts and stream/decode.ts).
 */

/** The record batch v2 header, from the base offset to the record count; the payload follows. */
const HEADER_BYTES = 61;
/** Bytes of the header after its length field; the length field counts these plus the payload. */
const AFTER_LENGTH = 49;
const MAGIC_V2 = 2;
const CODEC_MASK = 0x07;
/** Beyond this many records the placeholders themselves would cost too much memory: stop instead. */
export const MAX_PLACEHOLDERS = 200_000;
const MAX_ERROR_CHARS = 300;

export const CODEC_IDS: Readonly<Record<CodecName, number>> = { gzip: 1, snappy: 2, lz4: 3, zstd: 4 };

export type BatchHeader = {
  readonly firstOffset: bigint;
  readonly lastOffsetDelta: number;
  readonly records: number;
};

/** The header of the record batch whose compressed payload is `payload`, when it checks out. */
export function readBatchHeader(payload: Buffer, codecId: number): BatchHeader | undefined {
  if (payload.byteOffset < HEADER_BYTES) return undefined;
  const view = new DataView(payload.buffer, payload.byteOffset - HEADER_BYTES, HEADER_BYTES);
  const length = view.getInt32(8);
  const magic = view.getInt8(16);
  const attributes = view.getInt16(21);
  const lastOffsetDelta = view.getInt32(23);
  const records = view.getInt32(57);
  const plausible =
    magic === MAGIC_V2 &&
    length === AFTER_LENGTH + payload.byteLength &&
    (attributes & CODEC_MASK) === codecId &&
    records >= 1 &&
    lastOffsetDelta >= records - 1;
  return plausible ? { firstOffset: view.getBigInt64(0), lastOffsetDelta, records } : undefined;
}

/** Appends `value` as an unsigned LEB128 varint (value < 2^35). */
function pushVarint(out: number[], value: number): void {
  let rest = value;
  while (rest >= 0x80) {
    out.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  out.push(rest);
}

/** Kafka's signed varint: zigzag, then LEB128. */
function pushZigzag(out: number[], value: number): void {
  pushVarint(out, value >= 0 ? value * 2 : -value * 2 - 1);
}

/**
 * `records` placeholder records as a decompressed payload: attributes 0, timestamp delta 0, no key,
 * the marker as value, no headers. Offset deltas are 0, 1, … and the batch's last delta for the
 * last one, so the placeholders span the batch's offsets exactly (compacted batches have gaps that
 * the header does not show; the placeholders then fill the first offsets).
 */
export function placeholderRecords(header: BatchHeader, batch: UndecompressableBatch): Buffer {
  const value = encodeMarker(batch);
  const chunks: Buffer[] = [];
  for (let i = 0; i < header.records; i++) {
    const delta = i === header.records - 1 ? header.lastOffsetDelta : i;
    const body: number[] = [0, 0];
    pushZigzag(body, delta);
    pushZigzag(body, -1);
    pushZigzag(body, value.length);
    const tail: number[] = [0];
    const prefix: number[] = [];
    pushZigzag(prefix, body.length + value.length + tail.length);
    chunks.push(Buffer.from([...prefix, ...body]), Buffer.from(value), Buffer.from(tail));
  }
  return Buffer.concat(chunks);
}

/** An error kafkajs neither retries nor restarts on: the consumer stops and Sluice reports it. */
function stopping(message: string, cause: unknown): SluiceError {
  return Object.assign(new SluiceError(ErrorCode.decode, message, { cause }), { retriable: false });
}

/**
 * Wraps a codec so a batch that does not decompress becomes placeholder records (decode errors
 * with their offsets) instead of a failed fetch. When the header cannot be read, or counts more
 * than MAX_PLACEHOLDERS records, the consumer stops with the reason instead of restarting.
 */
export function guarded(codec: CodecName, inner: KafkajsCodec): KafkajsCodec {
  const codecId = CODEC_IDS[codec];
  return {
    compress: (encoder) => inner.compress(encoder),
    async decompress(buffer) {
      try {
        return await inner.decompress(buffer);
      } catch (error) {
        // A codec that cannot run here (zstd on an old Node) is not a bad batch: stop on it.
        if ((error as { retriable?: unknown }).retriable === false) throw error;
        const reason = (error instanceof Error ? error.message : String(error)).slice(0, MAX_ERROR_CHARS);
        const header = readBatchHeader(buffer, codecId);
        if (!header) {
          throw stopping(`a ${codec} batch cannot be decompressed, nor its header read: ${reason}`, error);
        }
        const lastOffset = header.firstOffset + BigInt(header.lastOffsetDelta);
        const where = `offsets ${header.firstOffset}-${lastOffset}`;
        if (header.records > MAX_PLACEHOLDERS) {
          throw stopping(
            `the ${codec} batch at ${where} cannot be decompressed (${reason}) and counts ${header.records} records, more than the ${MAX_PLACEHOLDERS} Sluice can stand in for`,
            error,
          );
        }
        return placeholderRecords(header, {
          codec,
          firstOffset: header.firstOffset.toString(),
          lastOffset: lastOffset.toString(),
          records: header.records,
          error: reason,
        });
      }
    },
  };
}
