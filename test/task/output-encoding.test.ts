// Sink-ready bytes: what a slot encodes for saveAsTextFiles and toKafka, byte for byte, and where the plan has it done.
import { describe, expect, it } from 'vitest';
import { partitionHash } from '../../src/core/index.ts';
import { buildGraph, defineJob, type Job, Plan } from '../../src/dsl/index.ts';
import {
  decodeResult,
  type EncodedSink,
  encodeBatch,
  encodeOutput,
  type PartitionResult,
  TaskRunner,
  visitKafkaRecords,
  writtenValues,
} from '../../src/task/index.ts';
import { recordsSection } from '../../src/task/record-batch/decompress.ts';
import { crcMatches, readBatchHeader, readRecords } from '../../src/task/record-batch/record-batch.ts';
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

/** Runs `job` in a slot over string records (offsets from 0) of partition 3; its result. */
function runStrings(job: Job, values: readonly string[], sinks?: [number, number][]): PartitionResult {
  const graph = buildGraph(job, {});
  const runner = new TaskRunner(workerInit(graph, { sinkMaxBatchBytes: 4096 }), graph);
  const batch = encodeBatch({
    topic: 't',
    partition: 3,
    messages: values.map((value, offset) => ({
      key: null,
      value: Buffer.from(value),
      offset: String(offset),
      timestamp: '0',
    })),
  });
  const info = { batchId: 0, time: 0, intervalMs: 1000, offsetRanges: [] };
  const task = { type: 'kafka', info, buffer: batch.buffer, byteLength: batch.byteLength } as const;
  const output = runner.run(sinks ? { ...task, sinks } : task);
  if (!(output instanceof Uint8Array)) throw new Error('expected a partition result');
  return decodeResult(output);
}

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
    const result = runStrings(only, ['a', 'drop', 'b']);
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

describe('toKafka record batches written in the slot', () => {
  const layout = (partitions: number, maxBatchBytes = 1024 * 1024, start = 0) => ({
    partitions,
    maxBatchBytes,
    start,
  });

  /** A batch read back as the slots read fetched ones: header, CRC, records. */
  function readBatch(batch: Uint8Array) {
    const header = readBatchHeader(batch, 0);
    if (header === 'partial') throw new Error('partial batch');
    expect(header.size).toBe(batch.length);
    expect(crcMatches(batch, 0, header)).toBe(true);
    const section = recordsSection(batch, 0, header, 64 * 1024 * 1024);
    const records: { offsetDelta: number; key: string | null; value: string | null }[] = [];
    readRecords(section.bytes, section.start, section.end, header, (record) => {
      const span = (start: number, length: number) =>
        length < 0 ? null : text(section.bytes.subarray(start, start + length));
      records.push({
        offsetDelta: record.offsetDelta,
        key: span(record.keyStart, record.keyLength),
        value: span(record.valueStart, record.valueLength),
      });
    });
    return { header, records };
  }

  it.each(['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const)(
    'are RecordBatch v2 with a good CRC, offsets from 0 and the records in order (%s)',
    (compression) => {
      const values = [['ключ', 'é'.repeat(40_000)], 'no-key', undefined, ['k', ''], [{ id: 1 }, null]];
      const encoded = encodeOutput(kafka({ compression }), values, layout(1));
      expect(encoded.count).toBe(5);
      expect(encoded.parts).toEqual([]);
      expect(encoded.batches?.map(([partition]) => partition)).toEqual([0]);
      const [, batch] = encoded.batches?.[0] ?? [0, new Uint8Array()];
      const { header, records } = readBatch(batch);
      expect({
        codec: header.compression,
        magic: header.magic,
        count: header.count,
        lastOffsetDelta: header.lastOffsetDelta,
        producerId: header.producerId,
        transactional: header.transactional,
        control: header.control,
      }).toEqual({
        codec: { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 }[compression],
        magic: 2,
        count: 5,
        lastOffsetDelta: 4,
        producerId: -1n,
        transactional: false,
        control: false,
      });
      expect(header.baseTimestamp).toBe(header.maxTimestamp);
      expect(Math.abs(header.baseTimestamp - Date.now())).toBeLessThan(60_000);
      expect(records).toEqual([
        { offsetDelta: 0, key: 'ключ', value: JSON.stringify(values[0]) },
        { offsetDelta: 1, key: null, value: '"no-key"' },
        { offsetDelta: 2, key: null, value: null },
        { offsetDelta: 3, key: 'k', value: '["k",""]' },
        { offsetDelta: 4, key: '{"id":1}', value: '[{"id":1},null]' },
      ]);
      expect(writtenValues(kafka(), encoded)).toEqual([
        values[0],
        'no-key',
        null,
        ['k', ''],
        [{ id: 1 }, null],
      ]);
    },
  );

  it("put each record in its partition's batch: hash % partitions, round-robin from the slot's start", () => {
    const values = [['user-1', 1], 'a', ['user-3', 2], 'b', 'c', ['user-1', 3]];
    const encoded = encodeOutput(kafka(), values, layout(6, 1024 * 1024, 4));
    const byPartition = new Map(
      (encoded.batches ?? []).map(([partition, batch]) => [
        partition,
        readBatch(batch).records.map((r) => r.value),
      ]),
    );
    // murmur2: user-1 → 2, user-3 → 5 (of 6); key-less records go 4, 5, 0.
    expect(byPartition).toEqual(
      new Map([
        [2, ['["user-1",1]', '["user-1",3]']],
        [4, ['"a"']],
        [5, ['["user-3",2]', '"b"']],
        [0, ['"c"']],
      ]),
    );
  });

  it('close a batch before a record would take it past maxBatchBytes; a record alone may', () => {
    const values = Array.from({ length: 10 }, (_, i) => ['k', `${i}`.padEnd(100, '.')]);
    const encoded = encodeOutput(kafka(), values, layout(1, 400));
    const batches = (encoded.batches ?? []).map(([, batch]) => batch);
    // 61 bytes of header, then records of at most 23 + 1 + 108 bytes (overhead, key, value): two a batch.
    expect(batches.map((batch) => readBatch(batch).records.length)).toEqual([2, 2, 2, 2, 2]);
    for (const batch of batches) expect(batch.length).toBeLessThanOrEqual(400);
    expect(batches.flatMap((batch) => readBatch(batch).records.map((r) => r.value))).toEqual(
      values.map((value) => JSON.stringify(value)),
    );
    const huge = encodeOutput(
      kafka(),
      [
        ['k', 'x'.repeat(1000)],
        ['k', 'y'],
      ],
      layout(1, 400),
    );
    expect((huge.batches ?? []).map(([, batch]) => readBatch(batch).records.length)).toEqual([1, 1]);
  });

  it('are what the slot sends when its task names the output topic’s partitions', () => {
    const only = defineJob((ctx) => {
      ctx
        .stream<string>()
        .map((record) => [record.value, 1])
        .toKafka('out', { compression: 'lz4' });
    });
    const [item] = runStrings(only, ['a', 'b', 'c'], [[2, 3]]).exports;
    if (item?.kind !== 'kafkaBatches') throw new Error(`expected record batches, got ${item?.kind}`);
    expect(item.count).toBe(3);
    const got = new Map(
      item.batches.map(([partition, bytes]) => {
        const { header, records } = readBatch(bytes);
        expect(header.compression).toBe(3);
        return [partition, records.map((record) => record.value)];
      }),
    );
    const want = new Map<number, string[]>();
    for (const key of ['a', 'b', 'c']) {
      const partition = murmur(key) % 3;
      want.set(partition, [...(want.get(partition) ?? []), JSON.stringify([key, 1])]);
    }
    expect(got).toEqual(want);
  });
});
