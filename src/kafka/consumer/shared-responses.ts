/** Fetch responses read from the socket straight into pooled shared memory, which the slots then read in place. */
import { BufferPool } from '../../task/index.ts';

/**
 * A response's shared memory and who still holds it: the fetch buffer's batches, and the slot
 * tasks reading them. Back to the pool when nobody does.
 */
export class SharedResponse {
  readonly buffer: SharedArrayBuffer;
  #holds = 1;
  readonly #pool: BufferPool;

  constructor(buffer: SharedArrayBuffer, pool: BufferPool) {
    this.buffer = buffer;
    this.#pool = pool;
  }

  hold(): void {
    this.#holds++;
  }

  release(): void {
    this.#holds--;
    if (this.#holds === 0) this.#pool.release(this.buffer);
  }
}

/** kafkajs's Connection, as far as the reader replaces its socket reading. */
export type KafkajsConnection = {
  socket: unknown;
  authHandlers: unknown;
  processData(data: Buffer): void;
  readonly requestQueue: {
    fulfillRequest(response: { correlationId: number; payload: Buffer; size: number }): void;
  };
};

/** Responses smaller than this are read into ordinary memory (API versions, empty fetches). */
const SHARED_FROM_BYTES = 64 * 1024;
const SIZE_BYTES = 4;
const CORRELATION_BYTES = 4;

/**
 * Replaces kafkajs's reading of a connection's socket (which joins every response's chunks into
 * fresh memory, `Buffer.concat`) with one that copies each chunk once into a buffer of the
 * response's size: pooled shared memory for fetch responses, which the fetch buffers keep as
 * views and the slots read without another copy.
 */
export class SharedResponses {
  readonly #pool: BufferPool;
  readonly #installed = new WeakSet<object>();
  /** The response whose payload a response's views lie in, by its buffer. */
  readonly #responses = new WeakMap<SharedArrayBuffer, SharedResponse>();

  constructor(maxFreeBytes: number) {
    this.#pool = new BufferPool({ maxFreeBytes, maxBufferBytes: 2 ** 31 });
  }

  /** The shared response `bytes` lies in, if it came through this reader. */
  of(bytes: Uint8Array): SharedResponse | undefined {
    const { buffer } = bytes;
    return buffer instanceof SharedArrayBuffer ? this.#responses.get(buffer) : undefined;
  }

  install(connection: KafkajsConnection): void {
    if (this.#installed.has(connection)) return;
    this.#installed.add(connection);
    const kafkajs = connection.processData.bind(connection);
    let socket: unknown;
    // The size field as it arrives (it can straddle chunks), then the response's own bytes.
    const size = Buffer.alloc(SIZE_BYTES);
    let sizeFilled = 0;
    let target: Buffer | undefined;
    let filled = 0;
    connection.processData = (data: Buffer): void => {
      // SASL's handshake reads its answers through kafkajs's own reading.
      if (connection.authHandlers) {
        kafkajs(data);
        return;
      }
      if (connection.socket !== socket) {
        socket = connection.socket;
        sizeFilled = 0;
        target = undefined;
      }
      let at = 0;
      while (at < data.length) {
        if (target === undefined) {
          const take = Math.min(SIZE_BYTES - sizeFilled, data.length - at);
          size.set(data.subarray(at, at + take), sizeFilled);
          sizeFilled += take;
          at += take;
          if (sizeFilled < SIZE_BYTES) return;
          target = this.#allocate(size.readInt32BE(0));
          filled = 0;
        }
        const take = Math.min(target.length - filled, data.length - at);
        // Buffer#copy (a memmove): Uint8Array#set into shared memory goes byte by byte when the
        // chunk's alignment differs from the target's, 5× slower.
        data.copy(target, filled, at, at + take);
        filled += take;
        at += take;
        if (filled < target.length) return;
        const response = target;
        target = undefined;
        sizeFilled = 0;
        this.#deliver(connection, response);
      }
    };
  }

  #allocate(bytes: number): Buffer {
    if (bytes < SHARED_FROM_BYTES) return Buffer.allocUnsafe(bytes);
    const buffer = this.#pool.acquire(bytes);
    this.#responses.set(buffer, new SharedResponse(buffer, this.#pool));
    return Buffer.from(buffer, 0, bytes);
  }

  #deliver(connection: KafkajsConnection, view: Buffer): void {
    connection.requestQueue.fulfillRequest({
      correlationId: view.readInt32BE(0),
      payload: view.subarray(CORRELATION_BYTES),
      size: view.length,
    });
  }
}
