import { describe, expect, it } from 'vitest';
import { isSluiceError } from '../../src/errors/index.ts';
import { BufferPool } from '../../src/task/buffer-pool.ts';

describe('BufferPool', () => {
  it('allocates the next power of two, at least minBytes', () => {
    const pool = new BufferPool({ minBytes: 1024 });
    expect(pool.acquire(0).byteLength).toBe(1024);
    expect(pool.acquire(1024).byteLength).toBe(1024);
    expect(pool.acquire(1025).byteLength).toBe(2048);
    expect(pool.acquire(100_000).byteLength).toBe(131_072);
    expect(pool.allocations).toBe(4);
    expect(pool.size).toBe(0);
  });

  it('returns the released buffer on the next acquire that fits', () => {
    const pool = new BufferPool({ minBytes: 1024 });
    const first = pool.acquire(3000);
    pool.release(first);
    expect(pool.size).toBe(1);
    expect(pool.acquire(4096)).toBe(first);
    expect(pool.size).toBe(0);
    expect(pool.allocations).toBe(1);
  });

  it('grows when no free buffer is large enough, keeping the small one', () => {
    const pool = new BufferPool({ minBytes: 1024 });
    const small = pool.acquire(1000);
    pool.release(small);
    const large = pool.acquire(5000);
    expect(large.byteLength).toBe(8192);
    expect(large).not.toBe(small);
    expect(pool.allocations).toBe(2);
    expect(pool.size).toBe(1);
    expect(pool.acquire(10)).toBe(small);
  });

  it('hands out the smallest free buffer that fits', () => {
    const pool = new BufferPool({ minBytes: 1024 });
    const big = pool.acquire(60_000);
    const medium = pool.acquire(5000);
    const small = pool.acquire(1000);
    pool.release(big);
    pool.release(small);
    pool.release(medium);
    expect(pool.acquire(2000)).toBe(medium);
    expect(pool.acquire(2000)).toBe(big);
    expect(pool.acquire(2000).byteLength).toBe(2048);
    expect(pool.acquire(1)).toBe(small);
  });

  it('keeps at most maxBuffers free buffers, dropping the smallest', () => {
    const pool = new BufferPool({ maxBuffers: 2, minBytes: 1024 });
    const a = pool.acquire(1024);
    const b = pool.acquire(4096);
    const c = pool.acquire(2048);
    pool.release(a);
    pool.release(b);
    pool.release(c);
    expect(pool.size).toBe(2);
    expect(pool.acquire(1)).toBe(c);
    expect(pool.acquire(1)).toBe(b);
    expect(pool.size).toBe(0);
    expect(pool.allocations).toBe(3);
  });

  it('keeps nothing with maxBuffers 0', () => {
    const pool = new BufferPool({ maxBuffers: 0 });
    pool.release(pool.acquire(10));
    expect(pool.size).toBe(0);
    pool.acquire(10);
    expect(pool.allocations).toBe(2);
  });

  it('does not keep buffers larger than maxBufferBytes', () => {
    const pool = new BufferPool({ minBytes: 1024, maxBufferBytes: 4096 });
    const kept = pool.acquire(4096);
    const dropped = pool.acquire(4097);
    pool.release(kept);
    pool.release(dropped);
    expect(pool.size).toBe(1);
    expect(pool.acquire(1)).toBe(kept);
  });

  it('keeps at most maxFreeBytes of free buffers, dropping the largest', () => {
    const pool = new BufferPool({ minBytes: 1024, maxFreeBytes: 6144 });
    const small = pool.acquire(1024);
    const middle = pool.acquire(2048);
    const large = pool.acquire(4096);
    pool.release(large);
    pool.release(middle);
    expect(pool.size).toBe(2);
    pool.release(small);
    // 7168 bytes free is over 6144: the 4096-byte buffer goes.
    expect(pool.size).toBe(2);
    expect(pool.acquire(2048)).toBe(middle);
    expect(pool.acquire(1)).toBe(small);
    expect(pool.acquire(4096)).not.toBe(large);
    expect(pool.allocations).toBe(4);
  });

  it('ignores a second release of the same buffer', () => {
    const pool = new BufferPool();
    const buffer = pool.acquire(10);
    pool.release(buffer);
    pool.release(buffer);
    expect(pool.size).toBe(1);
    expect(pool.acquire(10)).toBe(buffer);
    expect(pool.acquire(10)).not.toBe(buffer);
  });

  it('defaults to 64 KiB buffers', () => {
    expect(new BufferPool().acquire(1).byteLength).toBe(65_536);
  });

  it('rejects acquire sizes outside [0, 2^31]', () => {
    const pool = new BufferPool();
    expect(() => pool.acquire(-1)).toThrow(
      new RangeError('BufferPool.acquire(minBytes) needs an integer in [0, 2^31]; got -1'),
    );
    expect(() => pool.acquire(1.5)).toThrow(
      new RangeError('BufferPool.acquire(minBytes) needs an integer in [0, 2^31]; got 1.5'),
    );
    expect(() => pool.acquire(2 ** 31 + 1)).toThrow(RangeError);
  });
});

describe('BufferPool option validation', () => {
  function configError(create: () => unknown): string {
    try {
      create();
    } catch (error) {
      expect(isSluiceError(error, 'SLUICE_CONFIG_INVALID')).toBe(true);
      return (error as Error).message;
    }
    throw new Error('expected a SluiceError');
  }

  it('maxBuffers', () => {
    expect(configError(() => new BufferPool({ maxBuffers: -1 }))).toBe(
      'BufferPool maxBuffers must be an integer >= 0; got -1',
    );
    expect(configError(() => new BufferPool({ maxBuffers: 2.5 }))).toBe(
      'BufferPool maxBuffers must be an integer >= 0; got 2.5',
    );
  });

  it('minBytes', () => {
    expect(configError(() => new BufferPool({ minBytes: 1000 }))).toBe(
      'BufferPool minBytes must be a power of two <= 2^31; got 1000',
    );
    expect(configError(() => new BufferPool({ minBytes: 0 }))).toBe(
      'BufferPool minBytes must be a power of two <= 2^31; got 0',
    );
    expect(configError(() => new BufferPool({ minBytes: 2 ** 32 }))).toBe(
      'BufferPool minBytes must be a power of two <= 2^31; got 4294967296',
    );
  });

  it('maxBufferBytes', () => {
    expect(configError(() => new BufferPool({ minBytes: 1024, maxBufferBytes: 512 }))).toBe(
      'BufferPool maxBufferBytes must be an integer >= minBytes (1024); got 512',
    );
  });

  it('maxFreeBytes', () => {
    expect(configError(() => new BufferPool({ maxFreeBytes: -1 }))).toBe(
      'BufferPool maxFreeBytes must be a number >= 0; got -1',
    );
    expect(configError(() => new BufferPool({ maxFreeBytes: Number.NaN }))).toBe(
      'BufferPool maxFreeBytes must be a number >= 0; got NaN',
    );
  });
});
