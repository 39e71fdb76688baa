import { describe, expect, it } from 'vitest';
import aggregate from '../../src/jobs/aggregate.ts';
import { TestDriver } from '../../src/testing/index.ts';

// SLUICE_KEY_FIELD and friends name a field of the record; `in` also found what every object
// inherits (constructor, toString, __proto__), so a record without the field got a function or
// Object.prototype as its key.

const INHERITED = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'] as const;

describe('the aggregate job reads own fields only', () => {
  for (const name of INHERITED) {
    it(`SLUICE_KEY_FIELD=${name}: a record without it is missing the field; one with it is keyed by it`, async () => {
      const driver = new TestDriver(aggregate, { env: { SLUICE_KEY_FIELD: name }, decodePolicy: 'skip' });
      const batch = await driver.runBatch([
        { bytes: '{"url":"/a"}' },
        { bytes: JSON.stringify({ [name]: 'own' }) },
        { bytes: `{"${name}":"own"}` },
      ]);
      expect(batch.fatal).toBeUndefined();
      expect(batch.failures.map((failure) => [failure.offset, failure.error])).toEqual([
        [0n, `field ${name} is missing`],
      ]);
      expect(batch.outputs[0]?.values).toEqual([{ key: 'own', windowStart: 0, windowEnd: 1000, value: 2 }]);
    });
  }

  it('SLUICE_VALUE_FIELD and SLUICE_TIMESTAMP_FIELD too', async () => {
    const env = {
      SLUICE_AGG: 'sum',
      SLUICE_VALUE_FIELD: 'valueOf',
      SLUICE_TIME: 'event',
      SLUICE_WINDOW_MS: '1000',
      SLUICE_TIMESTAMP_FIELD: 'constructor',
    };
    const driver = new TestDriver(aggregate, { env, decodePolicy: 'skip' });
    const batch = await driver.runBatch([
      { bytes: '{"url":"/a","constructor":5}' },
      { bytes: '{"url":"/a","valueOf":2}' },
      { bytes: '{"url":"/a","valueOf":3,"constructor":500}' },
    ]);
    expect(batch.failures.map((failure) => [failure.offset, failure.error])).toEqual([
      [0n, 'field valueOf is missing'],
      [1n, 'field constructor is missing'],
    ]);
    const end = await driver.endOfInput();
    expect(end.outputs[0]?.values).toEqual([{ key: '/a', windowStart: 0, windowEnd: 1000, value: 3 }]);
  });
});
