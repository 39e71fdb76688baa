import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeCheckpoint, encodeCheckpoint, type PartitionCheckpoint } from '../../src/checkpoint/index.ts';
import { type Lz4, selectCodecs } from '../../src/codecs/index.ts';
import { toOffset } from '../../src/core/index.ts';
import { packState } from '../../src/task/index.ts';

const checkpoint: PartitionCheckpoint = {
  topic: 'events',
  partition: 3,
  offset: toOffset(12_345_678_901n),
  signature: 'sig-1',
  slot: new Uint8Array([0, 1, 2, 250, 255]),
  clock: { max: [[1, 1_700_000_000_123]], lastActive: 1_700_000_001_000, watermark: 1_700_000_000_000 },
  updates: [
    [4, 1_700_000_010_000, 'k', 7],
    [4, 1_700_000_010_000, null, { sum: 2, count: 1 }],
  ],
  writtenAt: 1_700_000_002_000,
};

/** `SLCK`, version, CRC-32 of `body`, `body`: a file whose header is right whatever the body holds. */
function file(body: Uint8Array, version = 1): Buffer {
  const header = Buffer.alloc(9);
  header.write('SLCK', 0, 'latin1');
  header.writeUInt8(version, 4);
  header.writeUInt32BE(crc32(body), 5);
  return Buffer.concat([header, body]);
}

// msgpack hands bin back as a view of its input (a Buffer here); compare the bytes, not the class.
const plain = (decoded: PartitionCheckpoint) => ({ ...decoded, slot: new Uint8Array(decoded.slot) });

function decodeError(bytes: Uint8Array, lz4: Lz4): { code: string; message: string } {
  try {
    decodeCheckpoint(bytes, lz4, '/ck/events-3.ckpt');
  } catch (error) {
    const { code, message } = error as { code: string; message: string };
    return { code, message };
  }
  throw new Error('expected the checkpoint to be refused');
}

const refused = (reason: string) => ({
  code: 'SLUICE_CHECKPOINT',
  message: `checkpoint /ck/events-3.ckpt ${reason}`,
});

const implementations = [
  [
    'native-free',
    selectCodecs('off').lz4,
    'lz4 frame: bad magic number 0x20746f6e at byte 0; expected 0x184d2204 (LZ4 frame) or 0x184d2a50-0x184d2a5f (skippable frame)',
  ],
  ['lz4-napi', selectCodecs('auto').lz4, 'WrongMagicNumber'],
] as const;

describe.each(implementations)('checkpoint file with %s LZ4', (implementation, lz4, badMagic) => {
  it('is the implementation asked for', () => {
    expect(lz4.implementation).toBe(implementation);
  });

  it('decodes what it encoded: bigint offset, slot bytes, clock and updates', () => {
    const bytes = encodeCheckpoint(checkpoint, lz4);
    expect(bytes.subarray(0, 5)).toEqual(Buffer.from([0x53, 0x4c, 0x43, 0x4b, 1]));
    const back = decodeCheckpoint(bytes, lz4, 'x');
    expect(plain(back)).toEqual(checkpoint);
    expect(typeof back.offset).toBe('bigint');
    expect(back.slot).toBeInstanceOf(Uint8Array);
  });

  it('reads a checkpoint inside a larger buffer (a view with an offset)', () => {
    const bytes = encodeCheckpoint(checkpoint, lz4);
    const padded = new Uint8Array(bytes.length + 7);
    padded.set(bytes, 3);
    expect(plain(decodeCheckpoint(padded.subarray(3, 3 + bytes.length), lz4, 'x'))).toEqual(checkpoint);
  });

  it('refuses bytes shorter than the header', () => {
    expect(decodeError(Buffer.from('SLCK'), lz4)).toEqual(
      refused('is not a Sluice checkpoint (no SLCK header)'),
    );
  });

  it('refuses bytes without the SLCK header', () => {
    const bytes = encodeCheckpoint(checkpoint, lz4);
    bytes.write('SLCX', 0, 'latin1');
    expect(decodeError(bytes, lz4)).toEqual(refused('is not a Sluice checkpoint (no SLCK header)'));
  });

  it('refuses an unknown version', () => {
    const bytes = encodeCheckpoint(checkpoint, lz4);
    bytes.writeUInt8(2, 4);
    expect(decodeError(bytes, lz4)).toEqual(refused('has version 2; this Sluice reads version 1'));
  });

  it('refuses a body whose checksum does not match (one byte flipped)', () => {
    const bytes = encodeCheckpoint(checkpoint, lz4);
    const at = 9 + Math.floor((bytes.length - 9) / 2);
    bytes[at] = (bytes[at] as number) ^ 0x01;
    expect(decodeError(bytes, lz4)).toEqual(refused('is corrupt: its checksum does not match'));
  });

  it('refuses a body with a matching checksum that is no LZ4 frame', () => {
    expect(decodeError(file(Buffer.from('not an lz4 frame')), lz4)).toEqual(
      refused(`cannot be decoded: ${badMagic}`),
    );
  });

  it.each([
    ['an offset that is no bigint', { ...checkpoint, offset: 5 }],
    ['no offset', { topic: 'events', partition: 3, slot: new Uint8Array([1]) }],
    ['no slot', { topic: 'events', partition: 3, offset: 5n }],
    ['a slot that is no byte string', { ...checkpoint, slot: [1, 2] }],
    ['nil', null],
  ])('refuses a decoded value with %s', (_what, value) => {
    expect(decodeError(file(lz4.compressFrame(packState(value))), lz4)).toEqual(
      refused('lacks its offset or state'),
    );
  });
});
