import { describe, expect, it } from 'vitest';
import { keyIdentity, keyText } from '../../src/core/index.ts';
import { defineJob } from '../../src/dsl/index.ts';
import { TestDriver } from '../../src/testing/index.ts';

describe('keyIdentity', () => {
  it('keeps primitives as themselves, so 1, 1n and "1" stay three keys', () => {
    expect([1, 1n, '1', true, null].map(keyIdentity)).toEqual([1, 1n, '1', true, null]);
  });

  it('gives equal objects one identity and different objects different ones', () => {
    expect(keyIdentity({ page: '/a', n: [1, 2] })).toBe(keyIdentity({ page: '/a', n: [1, 2] }));
    expect(keyIdentity({ page: '/a' })).not.toBe(keyIdentity({ page: '/b' }));
  });

  it('compares an object with a bigint inside instead of throwing, apart from its string look-alike', () => {
    const withBigint = keyIdentity({ user: 1n });
    expect(withBigint).toBe(keyIdentity({ user: 1n }));
    expect(withBigint).not.toBe(keyIdentity({ user: 2n }));
    expect(withBigint).not.toBe(keyIdentity({ user: '1' }));
    expect(withBigint).not.toBe(keyIdentity({ user: 1 }));
  });

  it('names the key when it cannot be compared at all (a cycle)', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(() => keyIdentity(cyclic)).toThrow(/^key \{.*cannot be compared: /);
  });
});

describe('keyText', () => {
  it('writes strings as themselves and the rest as JSON with bigints as decimal strings', () => {
    expect(['k', 7, null, true, 12n, { a: 3n }].map(keyText)).toEqual([
      'k',
      '7',
      'null',
      'true',
      '"12"',
      '{"a":"3"}',
    ]);
  });
});

it('reduceByKey groups keys that hold bigints (it threw before key identity had one home)', async () => {
  const job = defineJob((ctx) =>
    ctx
      .stream<{ user: number }>()
      .map((record): [{ user: bigint }, number] => [{ user: BigInt(record.value.user) }, 1])
      .reduceByKey((a, b) => a + b)
      .foreachBatch(() => {}),
  );
  const driver = new TestDriver(job);
  const batch = await driver.runBatch([
    { value: { user: 1 } },
    { value: { user: 2 } },
    { value: { user: 1 } },
  ]);
  expect(batch.failures).toEqual([]);
  expect(batch.outputs[0]?.values).toEqual([
    [{ user: 1n }, 2],
    [{ user: 2n }, 1],
  ]);
});
