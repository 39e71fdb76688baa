import { describe, expect, it } from 'vitest';
import { ErrorCode, isSluiceError } from '../../src/errors/index.ts';
import { BatchView } from '../../src/task/batch-view.ts';
import {
  type BatchInput,
  encodeBatch,
  encodeBatchWith,
  type KafkaMessageLike,
} from '../../src/task/batch-writer.ts';
import { BufferPool } from '../../src/task/buffer-pool.ts';
import { message } from '../support/batch-messages.ts';
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
