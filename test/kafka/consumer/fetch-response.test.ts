import { describe, expect, it } from 'vitest';
import { isSluiceError } from '../../../src/errors/index.ts';
import { readFetchResponse } from '../../../src/kafka/consumer/fetch-response.ts';

/** Big-endian writer for a Fetch v11 response body. */
class Body {
  readonly bytes: number[] = [];
  int16(value: number): this {
    this.bytes.push((value >> 8) & 0xff, value & 0xff);
    return this;
  }
  int32(value: number): this {
    for (const shift of [24, 16, 8, 0]) this.bytes.push((value >> shift) & 0xff);
    return this;
  }
  int64(value: bigint): this {
    for (let shift = 56n; shift >= 0n; shift -= 8n)
      this.bytes.push(Number((BigInt.asUintN(64, value) >> shift) & 0xffn));
    return this;
  }
  string(text: string): this {
    const encoded = new TextEncoder().encode(text);
    this.int16(encoded.length);
    this.bytes.push(...encoded);
    return this;
  }
  raw(bytes: number[]): this {
    this.bytes.push(...bytes);
    return this;
  }
  done(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

function partitionHeader(
  body: Body,
  partition: number,
  error: number,
  aborted: [bigint, bigint][] | null,
): Body {
  body.int32(partition).int16(error).int64(500n).int64(480n).int64(3n);
  if (aborted === null) body.int32(-1);
  else {
    body.int32(aborted.length);
    for (const [producerId, firstOffset] of aborted) body.int64(producerId).int64(firstOffset);
  }
  return body.int32(-1);
}

describe('readFetchResponse', () => {
  it('reads partition headers and keeps record sets as views into the response', () => {
    const body = new Body().int32(0).int16(0).int32(0).int32(2);
    body.string('clicks').int32(2);
    partitionHeader(body, 0, 0, [[9n, 100n]])
      .int32(4)
      .raw([1, 2, 3, 4]);
    partitionHeader(body, 1, 1, null).int32(-1);
    body.string('émoji-ü').int32(1);
    partitionHeader(body, 7, 6, []).int32(0);
    const payload = body.done();
    const response = readFetchResponse(payload);
    expect(response.errorCode).toBe(0);
    expect(response.partitions.map(({ records, ...rest }) => ({ ...rest, records: [...records] }))).toEqual([
      {
        topic: 'clicks',
        partition: 0,
        errorCode: 0,
        highWatermark: 500n,
        lastStableOffset: 480n,
        logStartOffset: 3n,
        abortedTransactions: [{ producerId: 9n, firstOffset: 100n }],
        records: [1, 2, 3, 4],
      },
      {
        topic: 'clicks',
        partition: 1,
        errorCode: 1,
        highWatermark: 500n,
        lastStableOffset: 480n,
        logStartOffset: 3n,
        abortedTransactions: null,
        records: [],
      },
      {
        topic: 'émoji-ü',
        partition: 7,
        errorCode: 6,
        highWatermark: 500n,
        lastStableOffset: 480n,
        logStartOffset: 3n,
        abortedTransactions: [],
        records: [],
      },
    ]);
    expect(response.partitions[0]?.records.buffer).toBe(payload.buffer);
  });

  it('refuses a response shorter than its fields say, with SLUICE_KAFKA', () => {
    const body = new Body().int32(0).int16(0).int32(0).int32(1).string('t').int32(1);
    partitionHeader(body, 0, 0, null).int32(1000).raw([1, 2]);
    let caught: unknown;
    try {
      readFetchResponse(body.done());
    } catch (error) {
      caught = error;
    }
    expect(isSluiceError(caught)).toBe(true);
    expect((caught as Error).message).toMatch(
      /^malformed Fetch response: a field of 1000 bytes at byte \d+ runs past its \d+ bytes$/,
    );
    expect(() => readFetchResponse(new Uint8Array(3))).toThrow(/malformed Fetch response/);
  });
});
