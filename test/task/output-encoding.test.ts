// Sink-ready bytes: what a slot encodes for saveAsTextFiles and toKafka, byte for byte, and where the plan has it done.
import { describe, expect, it } from 'vitest';
import { partitionHash } from '../../src/core/index.ts';
import { buildGraph, defineJob, Plan } from '../../src/dsl/index.ts';
import {
  decodeResult,
  type EncodedSink,
  encodeBatch,
  encodeOutput,
  TaskRunner,
  visitKafkaRecords,
  writtenValues,
} from '../../src/task/index.ts';
import { TestDriver } from '../../src/testing/index.ts';
import { workerInit } from '../support/worker-init.ts';

const lines: EncodedSink = { type: 'saveAsTextFiles', dir: '/unused' };
const kafka = (options: Partial<Extract<EncodedSink, { type: 'kafka' }>> = {}): EncodedSink => ({
  type: 'kafka',
  topic: 'out',
  partitioner: 'murmur2',
  compression: 'none',
  ...options,
});
const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');

type Record = { hash: number; key: string | null; value: string | null };
function records(sink: EncodedSink, values: readonly unknown[]): Record[] {
  const out: Record[] = [];
  for (const part of encodeOutput(sink, values).parts) {
    visitKafkaRecords(part, (hash, key, value) =>
      out.push({ hash, key: key && text(key), value: value && text(value) }),
    );
  }
  return out;
}
const murmur = (text: string): number => partitionHash('murmur2', Buffer.from(text), null);

describe('saveAsTextFiles bytes', () => {
  it('are one JSON line per value: bigint as text, bytes as UTF-8, what JSON cannot say as null', () => {
    const values = [
      { n: 2n ** 64n, raw: new Uint8Array([0x68, 0xc3, 0xa9]) },
      '😀 "quoted"\n',
      undefined,
      JSON.parse('{"__proto__":{"polluted":1}}'),
      1e300,
      null,
    ];
    const encoded = encodeOutput(lines, values);
    expect(encoded.count).toBe(6);
    expect(text(encoded.parts[0] ?? new Uint8Array())).toBe(
      [
        '{"n":"18446744073709551616","raw":"hé"}',
        '"😀 \\"quoted\\"\\n"',
        'null',
        '{"__proto__":{"polluted":1}}',
        '1e+300',
        'null',
        '',
      ].join('\n'),
    );
    expect(({} as { polluted?: number }).polluted).toBeUndefined();
  });

  it('of no values are no bytes', () => {
    expect(encodeOutput(lines, [])).toEqual({ count: 0, parts: [new Uint8Array()] });
  });
});

describe('toKafka bytes', () => {
  it("key pairs by their first element and carry the Java client's murmur2 hash of the key", () => {
    expect(records(kafka(), [['user-1', 3], [{ id: 7 }, 'x'], 'no-key', undefined])).toEqual([
      { hash: murmur('user-1'), key: 'user-1', value: '["user-1",3]' },
      { hash: murmur('{"id":7}'), key: '{"id":7}', value: '[{"id":7},"x"]' },
      // Nothing to hash: -1, round-robin on the main thread.
      { hash: -1, key: null, value: '"no-key"' },
      // A value JSON cannot express is a tombstone.
      { hash: -1, key: null, value: null },
    ]);
    // foobar's partition of 12 in Kafka's own tests.
    expect(murmur('foobar') % 12).toBe(6);
  });

  it('use the key function, hash the value under hash-value, and hash nothing under round-robin', () => {
    const key = (value: unknown): unknown => (value as { id: number | null }).id;
    const values = [{ id: 1 }, { id: null }];
    expect(records(kafka({ key }), values)).toEqual([
      { hash: murmur('1'), key: '1', value: '{"id":1}' },
      { hash: -1, key: null, value: '{"id":null}' },
    ]);
    expect(records(kafka({ partitioner: 'hash-value' }), values).map((r) => r.hash)).toEqual([
      partitionHash('hash-value', null, Buffer.from('{"id":1}')),
      partitionHash('hash-value', null, Buffer.from('{"id":null}')),
    ]);
    expect(records(kafka({ partitioner: 'round-robin', key }), values).map((r) => r.hash)).toEqual([-1, -1]);
  });

  it('keep multi-byte text, lone surrogates and megabyte values whole', () => {
    const big = 'é'.repeat(3 * 1024 * 1024);
    const out = records(kafka(), [['ключ', big], '\ud800', ['k', '𝄞']]);
    expect(out.map((r) => r.key)).toEqual(['ключ', null, 'k']);
    expect(out[0]?.value).toBe(JSON.stringify(['ключ', big]));
    // JSON.stringify escapes a lone surrogate, so the bytes stay valid UTF-8.
    expect(out[1]?.value).toBe('"\\ud800"');
    expect(out[2]?.value).toBe('["k","𝄞"]');
  });

  it('read back as values are what the record values say', () => {
    const values = [['a', 1], { b: [true, null] }, undefined];
    expect(writtenValues(kafka(), encodeOutput(kafka(), values))).toEqual([
      ['a', 1],
      { b: [true, null] },
      null,
    ]);
    expect(writtenValues(lines, encodeOutput(lines, values))).toEqual([['a', 1], { b: [true, null] }, null]);
  });
});

describe('the plan', () => {
  const job = defineJob((ctx) => {
    const events = ctx.stream<string>().map((record) => record.value.toUpperCase());
    events.toKafka('upper');
    events.saveAsTextFiles('/tmp/unused');
    events.print();
    events.count().toKafka('counts');
  });

  it('has the slots encode the byte outputs fed by slot nodes, and only those', () => {
    const plan = new Plan(buildGraph(job, {}));
    const outputs = plan.nodes.filter((node) => node.kind === 'output');
    const sinks = (ids: Iterable<number>): string[] =>
      [...ids].map((id) => {
        const node = plan.nodes[id];
        return node?.kind === 'output' ? node.sink.type : `${node?.kind}`;
      });
    expect(sinks(plan.slotOutputs)).toEqual(['kafka', 'saveAsTextFiles']);
    // print takes the map's records; the count's toKafka encodes on the main thread.
    expect([...plan.recordExports]).toEqual([1]);
    expect(outputs).toHaveLength(4);
  });

  it('sends the main thread the encoded bytes, and no records, for those outputs', () => {
    const only = defineJob((ctx) => {
      ctx
        .stream<string>()
        .filter((record) => record.value !== 'drop')
        .map((record) => [record.value, record.offset])
        .toKafka('out');
    });
    const graph = buildGraph(only, {});
    const runner = new TaskRunner(workerInit(graph), graph);
    const batch = encodeBatch({
      topic: 't',
      partition: 3,
      messages: ['a', 'drop', 'b'].map((value, offset) => ({
        key: null,
        value: Buffer.from(value),
        offset: String(offset),
        timestamp: '0',
      })),
    });
    const info = { batchId: 0, time: 0, intervalMs: 1000, offsetRanges: [] };
    const output = runner.run({ type: 'kafka', info, buffer: batch.buffer, byteLength: batch.byteLength });
    if (!(output instanceof Uint8Array)) throw new Error('expected a partition result');
    const result = decodeResult(output);
    expect(result.exports.map((item) => item.kind)).toEqual(['encoded']);
    const [item] = result.exports;
    if (item?.kind !== 'encoded') throw new Error('expected encoded bytes');
    expect(item.count).toBe(2);
    const out: Record[] = [];
    visitKafkaRecords(item.bytes, (hash, key, value) =>
      out.push({ hash, key: key && text(key), value: value && text(value) }),
    );
    expect(out).toEqual([
      { hash: murmur('a'), key: 'a', value: '["a","0"]' },
      { hash: murmur('b'), key: 'b', value: '["b","2"]' },
    ]);
  });

  it("TestDriver shows such an output's written values, partitions' parts in order", async () => {
    const upper = defineJob((ctx) => {
      ctx
        .stream<string>()
        .map((record) => ({ p: record.partition, v: record.value.toUpperCase() }))
        .saveAsTextFiles('/tmp/unused');
    });
    const driver = new TestDriver(upper, { valueFormat: 'string' });
    const batch = await driver.runBatch([
      { partition: 1, bytes: 'b' },
      { partition: 0, bytes: 'a' },
      { partition: 1, bytes: 'c' },
    ]);
    expect(batch.outputs).toHaveLength(1);
    expect(batch.outputs[0]?.encoded?.count).toBe(3);
    expect(batch.outputs[0]?.values).toEqual([
      { p: 0, v: 'A' },
      { p: 1, v: 'B' },
      { p: 1, v: 'C' },
    ]);
  });
});
