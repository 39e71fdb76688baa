import { describe, expect, it } from 'vitest';
import { ErrorCode, isSluiceError } from '../../src/errors/index.ts';
import {
  type BatchInput,
  BatchView,
  encodeBatch,
  encodeBatchWith,
  type KafkaMessageLike,
} from '../../src/task/batch-codec.ts';
import { BufferPool } from '../../src/task/buffer-pool.ts';
import { random } from '../support/random.ts';

function bytes(next: () => number, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) out[i] = Math.floor(next() * 256);
  return out;
}

type OffsetStyle = 'contiguous' | 'gaps' | 'beyond-2^53' | 'huge-gaps';

function randomBatch(seed: number, count: number, style: OffsetStyle): BatchInput {
  const next = random(seed);
  const start = style === 'beyond-2^53' ? 2n ** 53n - 5n + BigInt(Math.floor(next() * 1000)) : 1000n;
  let offset = start + BigInt(Math.floor(next() * 1_000_000));
  const messages: KafkaMessageLike[] = [];
  for (let i = 0; i < count; i++) {
    const roll = next();
    const key = roll < 0.2 ? null : roll < 0.3 ? Buffer.alloc(0) : bytes(next, 1 + Math.floor(next() * 40));
    const kind = next();
    const value =
      kind < 0.1
        ? null
        : kind < 0.2
          ? Buffer.alloc(0)
          : kind < 0.25
            ? bytes(next, 100_000 + Math.floor(next() * 50_000))
            : Buffer.from(JSON.stringify({ i, user: `u${Math.floor(next() * 1000)}`, s: 'é☃𝄞' }));
    const timestamp = next() < 0.05 ? '-1' : String(1_700_000_000_000 + Math.floor(next() * 1e9));
    messages.push({ key, value, offset: String(offset), timestamp });
    if (style === 'contiguous') offset += 1n;
    else if (style === 'huge-gaps') offset += 1n + BigInt(Math.floor(next() * 2 ** 40));
    else offset += 1n + BigInt(next() < 0.3 ? Math.floor(next() * 10_000) : 0);
  }
  return { topic: `events-${seed}-ünï`, partition: Math.floor(next() * 100), messages };
}

function expectSame(view: BatchView, input: BatchInput): void {
  expect(view.count).toBe(input.messages.length);
  expect(view.topic).toBe(input.topic);
  expect(view.partition).toBe(input.partition);
  input.messages.forEach((message, i) => {
    expect(view.offset(i)).toBe(BigInt(message.offset));
    expect(view.timestamp(i)).toBe(Number(message.timestamp));
    expectBytes(view.key(i), message.key);
    expectBytes(view.value(i), message.value);
  });
}

function expectBytes(actual: Uint8Array | null, expected: Uint8Array | null): void {
  if (expected === null || actual === null) {
    expect(actual).toBe(expected);
  } else {
    expect(actual.length).toBe(expected.length);
    expect(Buffer.compare(actual, expected)).toBe(0);
  }
}

/** The offset encoding word of the header: 1 = int32 deltas, 2 = int64. */
function offsetEncoding(buffer: ArrayBufferLike): number {
  return new Uint32Array(buffer, 0, 16)[3] as number;
}

function message(offset: string, value: string | null, key: string | null = null): KafkaMessageLike {
  return {
    key: key === null ? null : Buffer.from(key),
    value: value === null ? null : Buffer.from(value),
    offset,
    timestamp: '1700000000000',
  };
}

describe('encodeBatch / BatchView round trip', () => {
  const styles: [OffsetStyle, number][] = [
    ['contiguous', 1],
    ['gaps', 1],
    ['huge-gaps', 2],
    ['beyond-2^53', 2],
  ];
  for (const [style, encoding] of styles) {
    it(`keeps every field of random batches with ${style} offsets`, () => {
      for (let seed = 1; seed <= 12; seed++) {
        const input = randomBatch(seed, seed === 1 ? 1 : 30 * seed, style);
        const encoded = encodeBatch(input);
        expect(encoded.count).toBe(input.messages.length);
        expect(encoded.buffer).toBeInstanceOf(SharedArrayBuffer);
        expect(encoded.buffer.byteLength).toBe(encoded.byteLength);
        // One record has no gap, so even huge-gaps fits an int32 delta.
        expect(offsetEncoding(encoded.buffer)).toBe(style === 'huge-gaps' && seed === 1 ? 1 : encoding);
        expectSame(new BatchView(encoded.buffer, encoded.byteLength), input);
      }
    });
  }

  it('encodes an empty batch', () => {
    const input = { topic: 't', partition: 3, messages: [] };
    const encoded = encodeBatch(input);
    expect(encoded).toEqual({ buffer: encoded.buffer, byteLength: 65, count: 0 });
    expectSame(new BatchView(encoded.buffer, encoded.byteLength), input);
  });

  it('stores offsets exactly up to the int64 limit, and unsorted offsets', () => {
    const offsets = [
      '9223372036854775807',
      '0',
      '9007199254740993',
      '12',
      '999999999999999',
      '1000000000000000',
    ];
    const input = { topic: 't', partition: 0, messages: offsets.map((offset) => message(offset, 'v')) };
    const encoded = encodeBatch(input);
    expect(offsetEncoding(encoded.buffer)).toBe(2);
    const view = new BatchView(encoded.buffer, encoded.byteLength);
    expect(offsets.map((_, i) => view.offset(i))).toEqual([
      9223372036854775807n,
      0n,
      9007199254740993n,
      12n,
      999999999999999n,
      1000000000000000n,
    ]);
  });

  it('uses int32 deltas while they fit, on both sides of the base', () => {
    const offsets = ['999999999999990', '999997852516354', '1002147483647'];
    const encoded = encodeBatch({ topic: 't', partition: 0, messages: offsets.map((o) => message(o, 'v')) });
    expect(offsetEncoding(encoded.buffer)).toBe(2);
    const near = ['5000000000', '7147483647', '2852516352', '5000000001'];
    const nearEncoded = encodeBatch({ topic: 't', partition: 0, messages: near.map((o) => message(o, 'v')) });
    expect(offsetEncoding(nearEncoded.buffer)).toBe(1);
    const view = new BatchView(nearEncoded.buffer, nearEncoded.byteLength);
    expect(near.map((_, i) => view.offset(i))).toEqual([5000000000n, 7147483647n, 2852516352n, 5000000001n]);
  });

  it('keeps timestamps as numbers, including -1 and 16-digit values', () => {
    const timestamps = ['0', '-1', '1700000000123', '1234567890123456', '999999999999999'];
    const messages = timestamps.map((timestamp, i) => ({ ...message(String(i), 'v'), timestamp }));
    const encoded = encodeBatch({ topic: 't', partition: 0, messages });
    const view = new BatchView(encoded.buffer, encoded.byteLength);
    expect(timestamps.map((_, i) => view.timestamp(i))).toEqual([
      0, -1, 1700000000123, 1234567890123456, 999999999999999,
    ]);
  });

  it('reads a timestamp beyond ±2^53 ms as a decode error, not as a rounded number', () => {
    const timestamps = [
      '9223372036854775807',
      '-9223372036854775808',
      '9007199254740993',
      '9007199254740991',
    ];
    const messages = timestamps.map((timestamp, i) => ({ ...message(String(i), 'v'), timestamp }));
    const encoded = encodeBatch({ topic: 't', partition: 0, messages });
    const view = new BatchView(encoded.buffer, encoded.byteLength);
    for (const index of [0, 1, 2]) {
      expect(() => view.timestamp(index)).toThrow(
        expect.objectContaining({
          code: ErrorCode.decode,
          message:
            'the Kafka timestamp lies beyond ±9007199254740991 ms, where a number cannot hold it exactly',
        }),
      );
    }
    expect(view.timestamp(3)).toBe(9007199254740991);
  });

  it('returns views into the buffer, not copies', () => {
    const encoded = encodeBatch({ topic: 't', partition: 0, messages: [message('7', 'value', 'key')] });
    const view = new BatchView(encoded.buffer, encoded.byteLength);
    expect(view.value(0)?.buffer).toBe(encoded.buffer);
    expect(view.key(0)?.buffer).toBe(encoded.buffer);
    expect(Buffer.from(view.key(0) ?? []).toString()).toBe('key');
  });

  it('decodes strings and JSON, leaving decode policy to the caller', () => {
    const messages = [
      message('0', '{"user":"u1","n":[1,2]}'),
      message('1', null),
      message('2', ''),
      message('3', 'null'),
      message('4', 'not json'),
      message('5', 'héllo ☃'),
    ];
    const encoded = encodeBatch({ topic: 't', partition: 0, messages });
    const view = new BatchView(encoded.buffer, encoded.byteLength);
    expect(view.valueJson(0)).toEqual({ user: 'u1', n: [1, 2] });
    expect(view.valueString(1)).toBeNull();
    expect(view.valueJson(1)).toBeUndefined();
    expect(view.valueString(2)).toBe('');
    expect(() => view.valueJson(2)).toThrow(SyntaxError);
    expect(view.valueJson(3)).toBeNull();
    expect(() => view.valueJson(4)).toThrow(SyntaxError);
    expect(view.valueString(5)).toBe('héllo ☃');
  });

  it('rejects record indexes outside the batch', () => {
    const encoded = encodeBatch({ topic: 't', partition: 0, messages: [message('0', 'v')] });
    const view = new BatchView(encoded.buffer, encoded.byteLength);
    expect(() => view.value(1)).toThrow(new RangeError('record index 1 is outside [0, 1)'));
    expect(() => view.offset(-1)).toThrow(new RangeError('record index -1 is outside [0, 1)'));
  });

  it('reuses pooled buffers over stale bytes', () => {
    const pool = new BufferPool({ minBytes: 1024 });
    const large = randomBatch(41, 400, 'gaps');
    const first = encodeBatch(large, pool);
    expectSame(new BatchView(first.buffer, first.byteLength), large);
    pool.release(first.buffer);
    const small = randomBatch(42, 20, 'contiguous');
    const second = encodeBatch(small, pool);
    expect(second.buffer).toBe(first.buffer);
    expect(second.byteLength).toBeLessThan(first.buffer.byteLength);
    expectSame(new BatchView(second.buffer, second.byteLength), small);
    expect(pool.allocations).toBe(1);
  });

  it('encodes into a plain ArrayBuffer through encodeBatchWith', () => {
    const input = randomBatch(7, 50, 'gaps');
    const encoded = encodeBatchWith(input, (size) => new ArrayBuffer(size + 10));
    expect(encoded.buffer).toBeInstanceOf(ArrayBuffer);
    expectSame(new BatchView(encoded.buffer, encoded.byteLength), input);
  });
});

describe('encodeBatch input errors', () => {
  function encodeError(input: BatchInput): string {
    try {
      encodeBatch(input);
    } catch (error) {
      expect(isSluiceError(error, 'SLUICE_DECODE')).toBe(true);
      return (error as Error).message;
    }
    throw new Error('expected a SluiceError');
  }

  it('names a record whose offset is not a decimal int64', () => {
    expect(
      encodeError({ topic: 'orders', partition: 2, messages: [message('1', 'a'), message('x1', 'b')] }),
    ).toBe('cannot encode batch of orders-2: record 1 has offset "x1"; expected a decimal int64');
    expect(
      encodeError({ topic: 'orders', partition: 2, messages: [message('9223372036854775808', 'a')] }),
    ).toBe(
      'cannot encode batch of orders-2: record 0 has offset "9223372036854775808"; expected a decimal int64',
    );
    expect(
      encodeError({ topic: 'orders', partition: 2, messages: [message('1', 'a'), message(' 2', 'b')] }),
    ).toBe('cannot encode batch of orders-2: record 1 has offset " 2"; expected a decimal int64');
  });

  it('rejects a partition that is not an int32 >= 0', () => {
    expect(encodeError({ topic: 'orders', partition: -1, messages: [] })).toBe(
      'cannot encode batch of orders: partition -1 is not an int32 >= 0',
    );
  });

  it('rejects an allocator that returns too little', () => {
    expect(() =>
      encodeBatchWith({ topic: 't', partition: 0, messages: [message('0', 'v')] }, () => new ArrayBuffer(8)),
    ).toThrow(new RangeError('allocate(98) returned a buffer of 8 bytes'));
  });
});

describe('BatchView on a corrupt buffer', () => {
  // topic "t", two records: key "k" + value "v1", then null key + value "v2"; 64 + 64 + 6 bytes.
  function sample(): { buffer: SharedArrayBuffer; byteLength: number } {
    const encoded = encodeBatch({
      topic: 't',
      partition: 1,
      messages: [message('5', 'v1', 'k'), message('6', 'v2')],
    });
    expect(encoded.byteLength).toBe(134);
    return encoded;
  }

  function decodeError(buffer: ArrayBufferLike, byteLength: number): string {
    try {
      new BatchView(buffer as SharedArrayBuffer, byteLength);
    } catch (error) {
      expect(isSluiceError(error, 'SLUICE_DECODE')).toBe(true);
      return (error as Error).message;
    }
    throw new Error('expected a SluiceError');
  }

  function withWord(index: number, value: number): SharedArrayBuffer {
    const { buffer } = sample();
    new Int32Array(buffer, 0, 32)[index] = value;
    return buffer;
  }

  it('reads the intact sample', () => {
    const { buffer, byteLength } = sample();
    const view = new BatchView(buffer, byteLength);
    expect([view.valueString(0), view.valueString(1), view.offset(1)]).toEqual(['v1', 'v2', 6n]);
  });

  it('bad magic', () => {
    expect(decodeError(withWord(0, 0x12345678), 134)).toBe('batch magic is 0x12345678; expected 0x534c5543');
    expect(decodeError(new SharedArrayBuffer(64), 64)).toBe('batch magic is 0x00000000; expected 0x534c5543');
  });

  it('bad version', () => {
    expect(decodeError(withWord(1, 2), 134)).toBe('batch version is 2; this reader supports version 1');
  });

  it('bad offset encoding', () => {
    expect(decodeError(withWord(3, 7), 134)).toBe(
      'batch offset encoding is 7; expected 1 (int32 delta) or 2 (int64)',
    );
  });

  it('byteLength shorter than the header or longer than the buffer', () => {
    const { buffer } = sample();
    expect(decodeError(buffer, 63)).toBe('batch byteLength 63 is shorter than the 64-byte header');
    expect(decodeError(buffer, 100.5)).toBe('batch byteLength 100.5 is shorter than the 64-byte header');
    expect(decodeError(buffer, 135)).toBe('batch byteLength 135 exceeds its buffer of 134 bytes');
  });

  it('truncated byteLength', () => {
    const { buffer } = sample();
    expect(decodeError(buffer, 133)).toBe('batch keys and values end at 134, past byteLength 133');
    expect(decodeError(buffer, 100)).toBe(
      'batch of 2 records needs 128 bytes before its keys and values; byteLength is 100',
    );
  });

  it('a count that does not fit', () => {
    expect(decodeError(withWord(2, 1_000_000), 134)).toBe(
      'batch of 1000000 records needs 32000064 bytes before its keys and values; byteLength is 134',
    );
  });

  it('section positions that do not match the count', () => {
    expect(decodeError(withWord(2, 1), 134)).toBe(
      'batch section timestamps starts at 80; a batch of 1 records puts it at 72',
    );
    expect(decodeError(withWord(14, 120), 134)).toBe(
      'batch section bytes starts at 120; a batch of 2 records puts it at 128',
    );
  });

  it('keys and values longer than the batch', () => {
    expect(decodeError(withWord(15, 7), 134)).toBe('batch keys and values end at 135, past byteLength 134');
  });

  it('a topic name longer than the keys and values', () => {
    expect(decodeError(withWord(7, 9), 134)).toBe(
      'batch topic name of 9 bytes overruns the 6 bytes of keys and values',
    );
  });

  // Record arrays of the sample: keyStart at word 24, keyLength 26, valueStart 28, valueLength 30.
  it('a value pointing past the keys and values', () => {
    expect(decodeError(withWord(31, 3), 134)).toBe(
      'record 1 value (start 4, length 3) lies outside the 6 bytes of keys and values',
    );
    expect(decodeError(withWord(28, -2), 134)).toBe(
      'record 0 value (start -2, length 2) lies outside the 6 bytes of keys and values',
    );
  });

  it('a key pointing past the keys and values', () => {
    expect(decodeError(withWord(24, 6), 134)).toBe(
      'record 0 key (start 6, length 1) lies outside the 6 bytes of keys and values',
    );
  });

  it('a length below -1', () => {
    expect(decodeError(withWord(27, -5), 134)).toBe('record 1 key length is -5; expected -1 (null) or >= 0');
    expect(decodeError(withWord(30, -2), 134)).toBe(
      'record 0 value length is -2; expected -1 (null) or >= 0',
    );
  });
});
