import { closeSync, existsSync, openSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32c } from '../../src/task/record-batch/crc32c.ts';

export { brokerLogDir } from '../../scripts/local-kafka/index.ts';

/** A record batch (v2) as it lies in a segment file. */
export type StoredBatch = {
  readonly baseOffset: bigint;
  readonly records: number;
  /** Bytes after the length field: 49 header bytes and the (compressed) payload. */
  readonly length: number;
  /** The codec bits of the attributes: 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd. */
  readonly codec: number;
  /** Byte position of the batch in the segment file. */
  readonly position: number;
};

/** The payload starts 61 bytes into a record batch (v2): base offset … record count. */
export const PAYLOAD_AT = 61;

function segmentFile(logDir: string, topic: string, partition: number): string {
  const file = join(logDir, `${topic}-${partition}`, '00000000000000000000.log');
  if (!existsSync(file)) throw new Error(`no segment ${file}: the test needs a broker on this machine`);
  return file;
}

/** Every batch header of the partition's first segment, in order. */
export function storedBatches(logDir: string, topic: string, partition: number): StoredBatch[] {
  const fd = openSync(segmentFile(logDir, topic, partition), 'r');
  try {
    const batches: StoredBatch[] = [];
    const header = Buffer.alloc(PAYLOAD_AT);
    for (let position = 0; readSync(fd, header, 0, PAYLOAD_AT, position) === PAYLOAD_AT; ) {
      const length = header.readInt32BE(8);
      batches.push({
        baseOffset: header.readBigInt64BE(0),
        records: header.readInt32BE(57),
        length,
        codec: header.readInt16BE(21) & 0x07,
        position,
      });
      position += 12 + length;
    }
    return batches;
  } finally {
    closeSync(fd);
  }
}

/**
 * Overwrites bytes of a stored batch's payload, as a bad disk would; the broker serves segment bytes
 * as they are (it validates compressed batches on produce only).
 */
export function overwritePayload(
  logDir: string,
  topic: string,
  partition: number,
  batch: StoredBatch,
  bytes: Buffer,
  at = 0,
): void {
  const fd = openSync(segmentFile(logDir, topic, partition), 'r+');
  try {
    writeSync(fd, bytes, 0, bytes.length, batch.position + PAYLOAD_AT + at);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes the stored batch's CRC-32C for its bytes as they are now: a batch whose checksum holds
 * but whose payload is bad, as a producer's bug (not a disk) would leave it.
 */
export function rewriteCrc(logDir: string, topic: string, partition: number, batch: StoredBatch): void {
  const fd = openSync(segmentFile(logDir, topic, partition), 'r+');
  try {
    const bytes = Buffer.alloc(12 + batch.length);
    readSync(fd, bytes, 0, bytes.length, batch.position);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32c(bytes, 21, bytes.length));
    writeSync(fd, crc, 0, 4, batch.position + 17);
  } finally {
    closeSync(fd);
  }
}
