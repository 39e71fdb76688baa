import { describe, expect, it } from 'vitest';
import { buildGraph, defineJob, Plan } from '../../src/dsl/index.ts';
import { inputSpec } from '../../src/dsl/input-spec.ts';
import { TestDriver } from '../../src/testing/index.ts';

// Several inputs: ctx.stream(topics, { format }) next to ctx.stream() (SLUICE_TOPICS), each
// topic's records entering its own input, decoded in its input's format.

describe('ctx.stream(topics, options): validation', () => {
  it.each<[string, unknown, unknown, string]>([
    [
      'no topics',
      [],
      undefined,
      'ctx.stream: give a topic name, an array of them, or a RegExp of topic names',
    ],
    [
      'a number',
      42,
      undefined,
      'ctx.stream: give a topic name, an array of them, or a RegExp of topic names',
    ],
    [
      'a space in a name',
      'my topic',
      undefined,
      "ctx.stream: \"my topic\" is not a Kafka topic name (letters, digits, '.', '_' and '-', 1 to 249 characters)",
    ],
    [
      'an empty name',
      [''],
      undefined,
      "ctx.stream: \"\" is not a Kafka topic name (letters, digits, '.', '_' and '-', 1 to 249 characters)",
    ],
    [
      '..',
      '..',
      undefined,
      "ctx.stream: \"..\" is not a Kafka topic name (letters, digits, '.', '_' and '-', 1 to 249 characters)",
    ],
    [
      'a name too long',
      'x'.repeat(250),
      undefined,
      `ctx.stream: "${'x'.repeat(79)}… (252 chars) is not a Kafka topic name (letters, digits, '.', '_' and '-', 1 to 249 characters)`,
    ],
    [
      'a format',
      'orders',
      { format: 'avro' },
      'ctx.stream: format must be one of json, string, bytes; got avro',
    ],
    [
      'options not an object',
      'orders',
      'json',
      'ctx.stream: options must be an object like { format: "json" }',
    ],
    [
      'a global pattern',
      /^logs-/g,
      undefined,
      'ctx.stream: the topic pattern /^logs-/g must not have the g or y flag',
    ],
  ])('refuses %s', (_, topics, options, message) => {
    expect(() => inputSpec(topics, options)).toThrow(message);
    const job = defineJob((ctx) => {
      ctx.stream(topics as string, options as { format: 'json' }).print();
    });
    expect(() => buildGraph(job, {})).toThrow(
      expect.objectContaining({ code: 'SLUICE_JOB_INVALID', message }),
    );
  });

  it('takes __proto__ as a topic name like any other', () => {
    expect(inputSpec('__proto__')).toEqual({ type: 'topics', topics: ['__proto__'], format: 'json' });
  });

  it('gives one input per name, the same for calls that name it alike, and names it in the signature', () => {
    let same = false;
    const job = defineJob((ctx) => {
      const a = ctx.stream('orders');
      same = a === ctx.stream(['orders']);
      a.union(ctx.stream<string>(/^logs-/, { format: 'string' }), ctx.stream()).print();
    });
    const graph = buildGraph(job, {});
    expect(same).toBe(true);
    expect(graph.signature()).toBe(
      '0:source[orders:json]() 1:source[/^logs-/:string]() 2:source() 3:union(0,1,2) 4:output:print(3)',
    );
  });
});

describe('which input a topic enters', () => {
  const plan = new Plan(
    buildGraph(
      defineJob((ctx) => {
        ctx
          .stream(/^orders/)
          .union(ctx.stream('orders-eu', { format: 'string' }), ctx.stream())
          .print();
      }),
      {},
    ),
  );

  it('a named topic beats a pattern, a pattern beats SLUICE_TOPICS', () => {
    expect(plan.inputs.sourceFor('orders-eu')?.id).toBe(1);
    expect(plan.inputs.sourceFor('orders-us')?.id).toBe(0);
    expect(plan.inputs.sourceFor('clicks')?.id).toBe(2);
    expect(plan.inputs.formatFor('orders-eu', 'bytes')).toBe('string');
    expect(plan.inputs.formatFor('orders-us', 'bytes')).toBe('json');
    expect(plan.inputs.formatFor('clicks', 'bytes')).toBe('bytes');
  });
});

describe('a job of two inputs through the TestDriver', () => {
  type Order = { id: number; amount: number };
  const job = defineJob((ctx) => {
    const orders = ctx
      .stream<Order>('orders')
      .map((record) => `order ${record.value.id}: ${record.value.amount}`);
    const notes = ctx.stream<string>('notes', { format: 'string' }).map((record) => `note: ${record.value}`);
    const raw = ctx
      .stream<Uint8Array>('raw', { format: 'bytes' })
      .map((record) => `raw: ${record.value.length} bytes`);
    orders.union(notes, raw).foreachBatch(() => {});
  });

  it('decodes each topic in its input format and unions them', async () => {
    const driver = new TestDriver(job);
    const batch = await driver.runBatch([
      { topic: 'orders', partition: 0, bytes: '{"id":1,"amount":9.5}' },
      { topic: 'notes', partition: 0, bytes: '{"not":"json here"}' },
      { topic: 'raw', partition: 0, bytes: new Uint8Array([0xff, 0xfe, 0x00]) },
      { topic: 'orders', partition: 1, bytes: '{"id":2,"amount":1}' },
    ]);
    expect(batch.decodeErrors).toBe(0);
    expect([...(batch.outputs[0]?.values ?? [])].sort()).toEqual(
      ['note: {"not":"json here"}', 'order 1: 9.5', 'order 2: 1', 'raw: 3 bytes'].sort(),
    );
  });

  it('a value that is not JSON is a decode error of its input only', async () => {
    const driver = new TestDriver(job, { decodePolicy: 'skip' });
    const batch = await driver.runBatch([
      { topic: 'orders', partition: 0, bytes: 'not json' },
      { topic: 'notes', partition: 0, bytes: 'not json' },
    ]);
    expect(batch.decodeErrors).toBe(1);
    expect(batch.outputs[0]?.values).toEqual(['note: not json']);
  });
});
