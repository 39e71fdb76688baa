import { describe, expect, it } from 'vitest';
import { type KafkajsConnection, SharedResponses } from '../../../src/kafka/consumer/shared-responses.ts';

/** A connection as kafkajs's: its own reading (for SASL) and the request queue the reader fills. */
function connection() {
  const delivered: { correlationId: number; payload: Buffer; size: number }[] = [];
  const ownReading: Buffer[] = [];
  const conn: KafkajsConnection = {
    socket: {},
    authHandlers: null,
    processData: (data) => void ownReading.push(data),
    requestQueue: { fulfillRequest: (response) => void delivered.push(response) },
  };
  return { conn, delivered, ownReading };
}

/** A response on the wire: int32 size, int32 correlation id, then `body`. */
function wire(correlationId: number, body: Uint8Array): Buffer {
  const out = Buffer.alloc(8 + body.length);
  out.writeInt32BE(4 + body.length, 0);
  out.writeInt32BE(correlationId, 4);
  out.set(body, 8);
  return out;
}

const body = (size: number, seed: number) =>
  Uint8Array.from({ length: size }, (_, i) => (i * 7 + seed) % 251);

describe('SharedResponses', () => {
  it('delivers responses split anywhere across chunks, large ones in pooled shared memory', () => {
    const responses = new SharedResponses(1 << 20);
    const { conn, delivered } = connection();
    responses.install(conn);
    const large = body(100_000, 1);
    const small = body(10, 2);
    const stream = Buffer.concat([wire(7, large), wire(8, small), wire(9, large)]);
    // Chunks of odd sizes: the size fields and correlation ids straddle chunk boundaries.
    for (let at = 0; at < stream.length; at += 3001) conn.processData(stream.subarray(at, at + 3001));
    expect(delivered.map(({ correlationId, size }) => [correlationId, size])).toEqual([
      [7, 100_004],
      [8, 14],
      [9, 100_004],
    ]);
    expect(delivered.map(({ payload }) => [...payload])).toEqual([[...large], [...small], [...large]]);
    const [first, second, third] = delivered.map(({ payload }) => payload);
    expect(first?.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(second?.buffer).not.toBeInstanceOf(SharedArrayBuffer);
    // Each large response has its own memory, held once for the response itself.
    const memory = responses.of(first as Buffer);
    expect(memory?.buffer).toBe(first?.buffer);
    expect(responses.of(third as Buffer)).not.toBe(memory);
    expect(responses.of(second as Buffer)).toBeUndefined();
  });

  it("returns a response's memory to the pool once its last holder lets go, and reuses it", () => {
    const responses = new SharedResponses(1 << 20);
    const { conn, delivered } = connection();
    responses.install(conn);
    conn.processData(wire(1, body(70_000, 3)));
    const memory = responses.of(delivered[0]?.payload as Buffer);
    memory?.hold();
    memory?.release();
    conn.processData(wire(2, body(70_000, 4)));
    // Still held by the batch: the next response gets other memory.
    expect(delivered[1]?.payload.buffer).not.toBe(memory?.buffer);
    memory?.release();
    conn.processData(wire(3, body(70_000, 5)));
    expect(delivered[2]?.payload.buffer).toBe(memory?.buffer);
    expect([...(delivered[2]?.payload ?? [])]).toEqual([...body(70_000, 5)]);
  });

  it('leaves SASL answers to kafkajs, and starts over on a new socket', () => {
    const responses = new SharedResponses(1 << 20);
    const { conn, delivered, ownReading } = connection();
    responses.install(conn);
    responses.install(conn);
    conn.authHandlers = {};
    conn.processData(Buffer.from([1, 2, 3]));
    expect(ownReading).toEqual([Buffer.from([1, 2, 3])]);
    conn.authHandlers = null;
    // Half a response, then the socket is replaced (a reconnect): the half is forgotten.
    conn.processData(wire(4, body(20, 6)).subarray(0, 10));
    conn.socket = {};
    conn.processData(wire(5, body(20, 7)));
    expect(delivered.map(({ correlationId, payload }) => [correlationId, [...payload]])).toEqual([
      [5, [...body(20, 7)]],
    ]);
  });
});
