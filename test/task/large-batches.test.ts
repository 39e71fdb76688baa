import { describe, expect, it } from 'vitest';
import { defineJob } from '../../src/dsl/index.ts';
import { KeyGroups } from '../../src/task/index.ts';
import { TestDriver } from '../../src/testing/index.ts';
import { KeyDictionary } from '../../src/window/index.ts';

// `push(...values)` of a data-sized array puts every value on the stack: past ~120,000 values it
// threw "Maximum call stack size exceeded", and a stateless job died on every large batch.
const MANY = 200_000;

describe('batches larger than a call can take as arguments', () => {
  it(`a stateless job passes ${MANY} output records of one partition batch to its output`, async () => {
    const seen: number[][] = [];
    const job = defineJob((ctx) => {
      ctx
        .stream<number>()
        .map((record) => record.value * 2)
        .foreachBatch((values) => {
          seen.push([values.length, values[0] as number, values.at(-1) as number]);
        });
    });
    const driver = new TestDriver(job);
    const batch = await driver.runBatch(Array.from({ length: MANY }, (_, i) => ({ value: i })));
    expect(batch.fatal).toBeUndefined();
    expect(seen).toEqual([[MANY, 0, 2 * (MANY - 1)]]);
  });

  it('keyed state groups take that many values for one key', () => {
    const groups = new KeyGroups();
    groups.add('k', -1);
    groups.addAll(
      'k',
      Array.from({ length: MANY }, (_, i) => i),
    );
    const [[key, values] = []] = groups.groups();
    expect([key, values?.length, values?.[0], values?.at(-1)]).toEqual(['k', MANY + 1, -1, MANY - 1]);
  });

  it('a key dictionary restores that many free ids', () => {
    const dict = new KeyDictionary();
    for (let i = 0; i < MANY; i++) dict.retain(dict.id(`k${i}`));
    for (let i = 1; i < MANY; i++) dict.release(i);
    const restored = KeyDictionary.restore(dict.snapshot());
    expect(restored.size).toBe(1);
    expect(restored.key(0)).toBe('k0');
    // Freed ids are reused, the last freed first.
    expect(restored.id('new')).toBe(MANY - 1);
  });
});
