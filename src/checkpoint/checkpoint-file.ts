// The checkpoint format: one partition's state and offset as msgpack in an LZ4 frame, behind a CRC header.

import { crc32 } from 'node:zlib';
import type { Lz4 } from '../codecs/index.ts';
import type { ExchangeSnapshot } from '../coordinator/index.ts';
import type { Offset } from '../core/index.ts';
import { ErrorCode, SluiceError } from '../errors/index.ts';
import type { KeyedSnapshot } from '../task/index.ts';
import { packState, unpackState } from '../task/index.ts';
import type { PartitionClockSnapshot } from '../window/index.ts';

/** Everything one partition's processing depends on, at a batch boundary. */
export type PartitionCheckpoint = {
  readonly topic: string;
  readonly partition: number;
  /** The next offset to read: every record before it is reflected in the state below. */
  readonly offset: Offset;
  /** The job graph's signature: state of another job is never restored. */
  readonly signature: string;
  /** The worker slot's window state (`encodeStore`). */
  readonly slot: Uint8Array;
  readonly clock: PartitionClockSnapshot | null;
  /** The main thread's update-mode partials of this partition. */
  readonly updates: [number, number, unknown, unknown][];
  /** The main thread's keyed state of the state partition with this number (absent: none). */
  readonly keyed?: KeyedSnapshot;
  /** Window aggregations across instances: the windows waiting in this state partition. */
  readonly exchange?: ExchangeSnapshot;
  /** When its save started: the same for every partition of one save, and larger for each later save. */
  readonly writtenAt: number;
  /** Every partition that save wrote: partitions restored together must come from one save. */
  readonly partitions?: readonly (readonly [topic: string, partition: number])[];
  /** The last batch the state includes; the batch log holds the ones after it. */
  readonly batchId?: number;
};

const MAGIC = Buffer.from('SLCK');
const VERSION = 1;
const HEADER = MAGIC.length + 1 + 4;

/** `SLCK`, a version byte, the CRC-32 of the rest, then the msgpack checkpoint as an LZ4 frame. */
export function encodeCheckpoint(checkpoint: PartitionCheckpoint, lz4: Lz4): Buffer {
  const body = lz4.compressFrame(packState(checkpoint));
  const header = Buffer.alloc(HEADER);
  MAGIC.copy(header, 0);
  header.writeUInt8(VERSION, MAGIC.length);
  header.writeUInt32BE(crc32(body), MAGIC.length + 1);
  return Buffer.concat([header, body]);
}

/** Reads a checkpoint file's bytes; throws `SLUICE_CHECKPOINT` naming what is wrong with them. */
export function decodeCheckpoint(bytes: Uint8Array, lz4: Lz4, what: string): PartitionCheckpoint {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (reason: string): never => {
    throw new SluiceError(ErrorCode.checkpoint, `checkpoint ${what} ${reason}`);
  };
  if (buffer.length < HEADER || !buffer.subarray(0, MAGIC.length).equals(MAGIC)) {
    fail('is not a Sluice checkpoint (no SLCK header)');
  }
  const version = buffer.readUInt8(MAGIC.length);
  if (version !== VERSION) fail(`has version ${version}; this Sluice reads version ${VERSION}`);
  const body = buffer.subarray(HEADER);
  const expected = buffer.readUInt32BE(MAGIC.length + 1);
  if (crc32(body) !== expected) fail('is corrupt: its checksum does not match');
  let checkpoint: unknown;
  try {
    checkpoint = unpackState(lz4.decompressFrame(body));
  } catch (error) {
    fail(`cannot be decoded: ${error instanceof Error ? error.message : String(error)}`);
  }
  const fields = checkpoint as Partial<PartitionCheckpoint> | null;
  if (typeof fields?.offset !== 'bigint' || !(fields.slot instanceof Uint8Array))
    fail('lacks its offset or state');
  return checkpoint as PartitionCheckpoint;
}
