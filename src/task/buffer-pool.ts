// Reusable SharedArrayBuffers for batch transport: a fresh one is zero-filled, a reused one is free.

import { ErrorCode, SluiceError } from '../errors/index.ts';

export type BufferPoolOptions = {
  /** Free buffers kept for reuse; a release beyond this drops the smallest. Default 16. */
  readonly maxBuffers?: number;
  /** Smallest buffer ever allocated, in bytes (a power of two). Default 64 KiB. */
  readonly minBytes?: number;
  /** Buffers larger than this are not kept after release, so one huge batch does not pin memory. Default 64 MiB. */
  readonly maxBufferBytes?: number;
  /** Most bytes of free buffers kept; a release beyond this drops the largest. Default: no limit. */
  readonly maxFreeBytes?: number;
};

const MAX_SAB_BYTES = 2 ** 31;

/**
 * Reusable SharedArrayBuffers for batch transport. A fresh SharedArrayBuffer is zero-filled
 * on allocation, which for megabyte batches costs more than encoding them (see
 * docs/performance.md); reusing one costs nothing, and stale bytes are harmless because a
 * batch is read only up to its own byteLength.
 *
 * The main thread must release a buffer only after the worker task reading it has settled:
 * until then the worker still reads it.
 *
 * @example
 * const pool = new BufferPool({ maxBuffers: 8 });
 * const sab = pool.acquire(100_000); // 128 KiB
 * // ... encode, run the worker task, await it ...
 * pool.release(sab); // the next acquire(<= 128 KiB) returns this buffer
 */
export class BufferPool {
  readonly #maxBuffers: number;
  readonly #minBytes: number;
  readonly #maxBufferBytes: number;
  readonly #maxFreeBytes: number;
  readonly #free: SharedArrayBuffer[] = [];
  #allocations = 0;

  constructor(options: BufferPoolOptions = {}) {
    const {
      maxBuffers = 16,
      minBytes = 64 * 1024,
      maxBufferBytes = 64 * 1024 * 1024,
      maxFreeBytes = Number.POSITIVE_INFINITY,
    } = options;
    if (!Number.isInteger(maxBuffers) || maxBuffers < 0) {
      throw new SluiceError(
        ErrorCode.configInvalid,
        `BufferPool maxBuffers must be an integer >= 0; got ${String(maxBuffers)}`,
      );
    }
    if (!isPowerOfTwo(minBytes) || minBytes > MAX_SAB_BYTES) {
      throw new SluiceError(
        ErrorCode.configInvalid,
        `BufferPool minBytes must be a power of two <= 2^31; got ${String(minBytes)}`,
      );
    }
    if (!Number.isInteger(maxBufferBytes) || maxBufferBytes < minBytes) {
      throw new SluiceError(
        ErrorCode.configInvalid,
        `BufferPool maxBufferBytes must be an integer >= minBytes (${minBytes}); got ${String(maxBufferBytes)}`,
      );
    }
    this.#maxBuffers = maxBuffers;
    this.#minBytes = minBytes;
    if (!(maxFreeBytes >= 0)) {
      throw new SluiceError(
        ErrorCode.configInvalid,
        `BufferPool maxFreeBytes must be a number >= 0; got ${String(maxFreeBytes)}`,
      );
    }
    this.#maxBufferBytes = maxBufferBytes;
    this.#maxFreeBytes = maxFreeBytes;
  }

  /** Free buffers currently held. */
  get size(): number {
    return this.#free.length;
  }

  /** SharedArrayBuffers this pool has allocated so far (reuses do not count). */
  get allocations(): number {
    return this.#allocations;
  }

  /**
   * A buffer of at least `minBytes`: the smallest free one that fits, otherwise a new one
   * whose size is the next power of two (at least the pool's `minBytes`).
   */
  acquire(minBytes: number): SharedArrayBuffer {
    if (!Number.isInteger(minBytes) || minBytes < 0 || minBytes > MAX_SAB_BYTES) {
      throw new RangeError(`BufferPool.acquire(minBytes) needs an integer in [0, 2^31]; got ${minBytes}`);
    }
    let best = -1;
    for (let i = 0; i < this.#free.length; i++) {
      const size = (this.#free[i] as SharedArrayBuffer).byteLength;
      if (size >= minBytes && (best < 0 || size < (this.#free[best] as SharedArrayBuffer).byteLength)) {
        best = i;
      }
    }
    if (best >= 0) {
      return this.#free.splice(best, 1)[0] as SharedArrayBuffer;
    }
    this.#allocations++;
    return new SharedArrayBuffer(Math.max(this.#minBytes, nextPowerOfTwo(minBytes)));
  }

  /** Returns a buffer for reuse. Releasing a buffer that is already free is a no-op. */
  release(buffer: SharedArrayBuffer): void {
    if (buffer.byteLength > this.#maxBufferBytes || this.#free.includes(buffer)) {
      return;
    }
    this.#free.push(buffer);
    if (this.#free.length > this.#maxBuffers) this.#free.splice(this.#extreme(-1), 1);
    let bytes = this.#free.reduce((sum, free) => sum + free.byteLength, 0);
    while (bytes > this.#maxFreeBytes) {
      bytes -= (this.#free.splice(this.#extreme(1), 1)[0] as SharedArrayBuffer).byteLength;
    }
  }

  /** Index of the largest free buffer (sign 1) or the smallest (sign -1). */
  #extreme(sign: 1 | -1): number {
    let found = 0;
    for (let i = 1; i < this.#free.length; i++) {
      const size = (this.#free[i] as SharedArrayBuffer).byteLength;
      if (sign * (size - (this.#free[found] as SharedArrayBuffer).byteLength) > 0) found = i;
    }
    return found;
  }
}

function isPowerOfTwo(value: number): boolean {
  return Number.isInteger(value) && value >= 1 && nextPowerOfTwo(value) === value;
}

function nextPowerOfTwo(value: number): number {
  let size = 1;
  while (size < value) {
    size *= 2;
  }
  return size;
}
