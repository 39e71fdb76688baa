import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { defineJob } from '../../src/dsl/index.ts';
import { SAMPLE_CHARS } from '../../src/errors/index.ts';
import aggregate from '../../src/jobs/aggregate.ts';
import { TestDriver } from '../../src/testing/index.ts';

// Where a record fails decides what the failure is: decoding it or reading its fields is the
// record's fault (SLUICE_ON_DECODE_ERROR applies), a user function throwing is the job's.

const DEPTH = 20_000;
const deepKey = `{"url":${'['.repeat(DEPTH)}1${']'.repeat(DEPTH)}}`;

/** The same key as a value handed to the job directly, past the decoder's nesting limit. */
function deepValue(): { readonly url: unknown } {
  let url: unknown = 1;
  for (let level = 0; level < DEPTH; level++) url = [url];
  return { url };
}

describe('a key field nested 20,000 deep', () => {
  it('is skipped under skip, with a bounded sample in the message', async () => {
    const driver = new TestDriver(aggregate, { decodePolicy: 'skip' });
    const batch = await driver.runBatch([
      { bytes: '{"url":"/a"}' },
      { value: deepValue() },
      { bytes: '{"url":"/a"}' },
    ]);
    expect(batch.fatal).toBeUndefined();
    expect(batch.decodeErrors).toBe(1);
    const prefix = 'field url must be a string, number or boolean; got ';
    expect(batch.failures.map((failure) => [failure.offset, failure.error])).toEqual([
      [1n, `${prefix}${'['.repeat(SAMPLE_CHARS)}…`],
    ]);
    expect(batch.outputs[0]?.values).toEqual([{ key: '/a', windowStart: 0, windowEnd: 1000, value: 2 }]);
  });

  it('is dead-lettered under dlq with its bytes', async () => {
    const driver = new TestDriver(aggregate, { decodePolicy: 'dlq' });
    const batch = await driver.runBatch([{ bytes: deepKey }]);
    expect(batch.fatal).toBeUndefined();
    expect(batch.failures.map((failure) => Buffer.from(failure.value ?? []).toString())).toEqual([deepKey]);
  });

  it('stops the job under fail as a decode error, not a user-function error', async () => {
    const driver = new TestDriver(aggregate);
    const batch = await driver.runBatch([{ bytes: deepKey }]);
    expect(batch.fatal?.code).toBe('SLUICE_DECODE');
    expect(batch.fatal?.message.length).toBeLessThan(400);
  });
});

describe('a key nested 20,000 deep in a job of your own', () => {
  it('is a decode error when keyed operations compare it, not a user-function error', async () => {
    const job = defineJob((ctx) => {
      ctx
        .stream<{ readonly url: unknown }>()
        .map((record) => record.value.url)
        .countByValue()
        .foreachBatch(() => {});
    });
    const driver = new TestDriver(job, { decodePolicy: 'skip' });
    const batch = await driver.runBatch([{ value: deepValue() }, { bytes: '{"url":"/a"}' }]);
    expect(batch.fatal).toBeUndefined();
    expect(batch.failures.map((failure) => failure.error)).toEqual([
      `key ${'['.repeat(SAMPLE_CHARS)}… cannot be compared: Maximum call stack size exceeded`,
    ]);
    expect(batch.outputs[0]?.values).toEqual([['/a', 1]]);
  });
});

describe('what a user function throws', () => {
  const parsing = defineJob((ctx) => {
    ctx
      .stream<string>()
      .map((record) => JSON.parse(record.value) as unknown)
      .foreachBatch(() => {});
  });

  it('a SyntaxError of its own JSON.parse stops the job as a user-function error, whatever the policy', async () => {
    for (const decodePolicy of ['skip', 'dlq'] as const) {
      const driver = new TestDriver(parsing, { decodePolicy, valueFormat: 'string' });
      const batch = await driver.runBatch([{ bytes: '{"ok":1}' }, { bytes: 'not json' }]);
      expect(batch.decodeErrors).toBe(0);
      expect(batch.fatal?.code).toBe('SLUICE_USER_FUNCTION');
      expect(batch.fatal?.message).toMatch(
        /^Unexpected token 'o', "not json" is not valid JSON \(at topic input, partition 0, offset 1; thrown at \/.*\/test\/task\/decode-error-classification\.test\.ts:\d+:\d+\)$/,
      );
    }
  });

  it('bytes that are not the value format stay a decode error', async () => {
    const values = defineJob((ctx) => {
      ctx
        .stream()
        .map((record) => record.value)
        .foreachBatch(() => {});
    });
    const driver = new TestDriver(values, { decodePolicy: 'skip' });
    const batch = await driver.runBatch([{ bytes: 'not json' }, { bytes: '"fine"' }]);
    expect(batch.fatal).toBeUndefined();
    expect(batch.decodeErrors).toBe(1);
    expect(batch.failures.map((failure) => failure.offset)).toEqual([0n]);
    expect(batch.outputs[0]?.values).toEqual(['fine']);
  });

  it('a message of any length is clipped', async () => {
    const job = defineJob((ctx) => {
      ctx
        .stream()
        .map(() => {
          throw new Error('x'.repeat(1_000_000));
        })
        .foreachBatch(() => {});
    });
    const batch = await new TestDriver(job).runBatch([{ value: 1 }]);
    expect(batch.fatal).toEqual({
      code: 'SLUICE_USER_FUNCTION',
      message: `${'x'.repeat(500)}… (1000000 chars) (at topic input, partition 0, offset 0; thrown at ${fileURLToPath(import.meta.url)}:112:17)`,
    });
  });
});
