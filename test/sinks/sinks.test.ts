import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { CompressionTypes, type Message, type Producer } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import type { BatchInfo } from '../../src/core/index.ts';
import { toJson } from '../../src/core/index.ts';
import { createPartitioner } from '../../src/kafka/index.ts';
import {
  batchFileName,
  formatPrint,
  KafkaOutput,
  Outputs,
  requests,
  writeBatchFile,
} from '../../src/sinks/index.ts';
import { encodeOutput, recordBytes } from '../../src/task/index.ts';

const info: BatchInfo = { batchId: 7, time: 1_700_000_001_000, intervalMs: 1000, offsetRanges: [] };
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('print', () => {
  it("prints Spark's header and the first n values as JSON, with ... when there are more", () => {
    expect(formatPrint([['a', 1], { b: 2n }, 'c'], info, 2)).toBe(
      [
        '-------------------------------------------',
        'Time: 1700000001000 ms',
        '-------------------------------------------',
        '["a",1]',
        '{"b":"2"}',
        '...',
        '',
        '',
      ].join('\n'),
    );
    expect(formatPrint([], info, 10)).toBe(
      '-------------------------------------------\nTime: 1700000001000 ms\n-------------------------------------------\n\n',
    );
  });
});

describe('saveAsTextFiles', () => {
  it('writes one JSONL file per batch, and a rewrite of the same batch replaces it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-file-'));
    dirs.push(dir);
    const path = await writeBatchFile(dir, [{ key: 'a', value: 1 }, ['b', 2]], info);
    expect(path).toBe(join(dir, 'batch-1700000001000-000007.jsonl'));
    expect(batchFileName(info)).toBe('batch-1700000001000-000007.jsonl');
    expect(readFileSync(path, 'utf8')).toBe('{"key":"a","value":1}\n["b",2]\n');
    await writeBatchFile(dir, [['c', 3]], info);
    expect(readdirSync(dir)).toEqual(['batch-1700000001000-000007.jsonl']);
    expect(readFileSync(path, 'utf8')).toBe('["c",3]\n');
  });

  it('fails with an error naming the output and batch when the directory cannot be written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-file-'));
    dirs.push(dir);
    // A regular file where the directory should be.
    writeFileSync(join(dir, 'taken'), '');
    const target = join(dir, 'taken', 'out');
    const outputs = new Outputs();
    const sink = { type: 'saveAsTextFiles', dir: target } as const;
    await expect(outputs.write([{ node: 4, sink, values: [1] }], info)).rejects.toMatchObject({
      code: 'SLUICE_SINK',
      message: expect.stringMatching(
        new RegExp(`^output 4 \\(saveAsTextFiles ${target}\\) failed for batch 7: ENOTDIR`),
      ),
    });
  });
});

describe('toKafka', () => {
  it('keys pairs by their first element and places them with the murmur2 partitioner', () => {
    const spec = { type: 'kafka', topic: 'out', partitioner: 'murmur2', compression: 'none' } as const;
    const output = new KafkaOutput(spec);
    const partitioner = createPartitioner('murmur2');
    const messages = output.messages(encodeOutput(spec, [['user-1', 3], ['user-3', 4], 'no-key']), 6);
    expect(messages.slice(0, 2)).toEqual([
      {
        key: Buffer.from('user-1'),
        value: Buffer.from('["user-1",3]'),
        partition: partitioner({ key: Buffer.from('user-1'), value: null }, 6),
      },
      {
        key: Buffer.from('user-3'),
        value: Buffer.from('["user-3",4]'),
        partition: partitioner({ key: Buffer.from('user-3'), value: null }, 6),
      },
    ]);
    // The Java client's partitions of these keys (murmur2 % 6): the key decides.
    expect(messages.slice(0, 2).map((m) => m.partition)).toEqual([2, 5]);
    expect(messages[2]).toEqual({ key: null, value: Buffer.from('"no-key"'), partition: 0 });
  });

  it('uses the key function and keeps round-robin state across batches', () => {
    const spec = {
      type: 'kafka',
      topic: 'out',
      partitioner: 'round-robin',
      key: ((row: { id: number }) => row.id) as (value: unknown) => unknown,
      compression: 'none',
    } as const;
    const output = new KafkaOutput(spec);
    const first = output.messages(encodeOutput(spec, [{ id: 1 }, { id: 2 }]), 3);
    const second = output.messages(encodeOutput(spec, [{ id: 3 }, { id: 4 }]), 3);
    expect([...first, ...second].map((m) => [String(m.key), m.partition])).toEqual([
      ['1', 0],
      ['2', 1],
      ['3', 2],
      ['4', 0],
    ]);
  });

  it('sends with the compression type of its spec', async () => {
    const sent: unknown[] = [];
    const producer = { send: async (record: unknown) => void sent.push(record) } as unknown as Producer;
    for (const compression of ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const) {
      const spec = { type: 'kafka', topic: 'out', partitioner: 'murmur2', compression } as const;
      await new KafkaOutput(spec).write(producer, encodeOutput(spec, [['k', 1]]), 2);
    }
    expect(sent.map((record) => (record as { compression: number }).compression)).toEqual([
      CompressionTypes.None,
      CompressionTypes.GZIP,
      CompressionTypes.Snappy,
      CompressionTypes.LZ4,
      CompressionTypes.ZSTD,
    ]);
    expect(sent[0]).toMatchObject({
      topic: 'out',
      messages: [{ key: Buffer.from('k'), value: Buffer.from('["k",1]') }],
    });
  });

  it('sends a partition more than SLUICE_SINK_MAX_BATCH_BYTES holds in further requests, in order', async () => {
    const sent: { messages: Message[] }[] = [];
    const producer = { send: async (record: { messages: Message[] }) => void sent.push(record) };
    const spec = { type: 'kafka', topic: 'out', partitioner: 'murmur2', compression: 'none' } as const;
    // 100 records of 100 bytes + overhead on each of two partitions, 4 KiB per partition per request.
    const values = Array.from({ length: 200 }, (_, i) => [
      i % 2 === 0 ? 'user-1' : 'user-3',
      `${i}`.padEnd(80, '.'),
    ]);
    await new KafkaOutput(spec, 4096).write(producer, encodeOutput(spec, values), 6);
    const partitions = new Map<number, string[]>();
    for (const { messages } of sent) {
      const bytes = new Map<number, number>();
      for (const message of messages) {
        const partition = message.partition ?? -1;
        const size = recordBytes(String(message.key).length, String(message.value).length);
        bytes.set(partition, (bytes.get(partition) ?? 0) + size);
        partitions.set(partition, [...(partitions.get(partition) ?? []), String(message.value)]);
      }
      for (const total of bytes.values()) expect(total).toBeLessThanOrEqual(4096 - 64);
    }
    // Each record is at most 23 + 6 + 93 = 122 bytes: 33 fit in 4032, so 100 take 4 requests per partition.
    expect(sent).toHaveLength(4);
    expect([...partitions.keys()].sort()).toEqual([2, 5]);
    const json = (i: number) => JSON.stringify(values[i]);
    expect(partitions.get(2)).toEqual(values.flatMap((_, i) => (i % 2 === 0 ? [json(i)] : [])));
    expect(partitions.get(5)).toEqual(values.flatMap((_, i) => (i % 2 === 1 ? [json(i)] : [])));
  });

  it('puts at most 500 records of a partition in one request', () => {
    const messages: Message[] = Array.from({ length: 4500 }, (_, i) => ({
      key: null,
      value: 'v',
      partition: i % 3 === 0 ? 1 : 0,
    }));
    const cut = requests(messages, 1024 * 1024);
    expect(cut.map((request) => request.filter((m) => m.partition === 0).length)).toEqual([
      500, 500, 500, 500, 500, 500,
    ]);
    expect(cut.map((request) => request.filter((m) => m.partition === 1).length)).toEqual([
      500, 500, 500, 0, 0, 0,
    ]);
  });

  it('cuts requests so that every partition keeps its order and stays under the limit, whatever the records', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 3000 })), {
          maxLength: 300,
        }),
        fc.integer({ min: 1024, max: 8192 }),
        (records, limit) => {
          const messages: Message[] = records.map(([partition, size], i) => ({
            key: null,
            value: Buffer.alloc(size, i % 256),
            partition,
            headers: { i: String(i) },
          }));
          const cut = requests(messages, limit);
          expect(cut.flat()).toHaveLength(messages.length);
          const order = (list: readonly Message[], partition: number) =>
            list.filter((m) => m.partition === partition).map((m) => m.headers?.i);
          for (let partition = 0; partition <= 20; partition++)
            expect(order(cut.flat(), partition)).toEqual(order(messages, partition));
          for (const request of cut) {
            expect(request.length).toBeGreaterThan(0);
            for (let partition = 0; partition <= 20; partition++)
              expect(request.filter((m) => m.partition === partition).length).toBeLessThanOrEqual(500);
            const total = request.reduce((sum, m) => sum + recordBytes(-1, (m.value as Buffer).length), 0);
            if (request.length > 1) expect(total).toBeLessThanOrEqual((limit - 64) * 16);
            for (let partition = 0; partition <= 20; partition++) {
              const own = request.filter((m) => m.partition === partition);
              const bytes = own.reduce((sum, m) => sum + recordBytes(-1, (m.value as Buffer).length), 0);
              if (own.length > 1) expect(bytes).toBeLessThanOrEqual(limit - 64);
            }
          }
        },
      ),
    );
  });

  it('refuses to run without Kafka, naming the topic', async () => {
    const outputs = new Outputs();
    const sink = { type: 'kafka', topic: 'results', partitioner: 'murmur2', compression: 'none' } as const;
    await expect(outputs.write([{ node: 2, sink, values: [1] }], info)).rejects.toThrow(
      'output 2 writes to Kafka topic results, but no Kafka is configured (set SLUICE_BROKERS)',
    );
  });
});

describe('toJson', () => {
  it('writes bigint as decimal strings and bytes as UTF-8 text', () => {
    expect(toJson({ offset: 2n ** 63n - 1n, raw: new Uint8Array([104, 105]) })).toBe(
      '{"offset":"9223372036854775807","raw":"hi"}',
    );
  });
});
