// A 'records' task (raw Kafka record batches) through TaskRunner gives what the old 'kafka' task gave.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type BatchInfo, LatencyHistogram, toOffset } from '../../src/core/index.ts';
import { buildGraph, defineJob, type Graph } from '../../src/dsl/index.ts';
import {
  decodeResult,
  encodeBatch,
  type GivenValues,
  type SlotTask,
  TaskRunner,
  type WorkerInit,
} from '../../src/task/index.ts';
import { workerInit } from '../support/worker-init.ts';

const FIXTURES = new URL('../fixtures/record-batches/', import.meta.url);
const fixture = (name: string): Buffer => readFileSync(new URL(name, FIXTURES));

/** Every record's offset, timestamp, key and value, counted: the result shows exactly what the job saw. */
const seen = defineJob((ctx) => {
  ctx
    .stream<string | null>()
    .map((record) => `${record.offset}|${record.timestamp}|${record.key}|${record.value?.slice(0, 40)}`)
    .countByValue()
    .foreachBatch(() => {});
});

/** The slot's clock, for records' ages: fixed, so that two runs' results are equal. */
const CLOCK = 1_800_000_000_000;

function runner(graph: Graph, options: Partial<WorkerInit> = {}, given?: GivenValues): TaskRunner {
  return new TaskRunner(workerInit(graph, options), graph, given, () => CLOCK);
}

const info: BatchInfo = { batchId: 0, time: 1000, intervalMs: 1000, offsetRanges: [] };

function recordsTask(batches: readonly Uint8Array[], from: number, until: number): SlotTask {
  const length = batches.reduce((sum, batch) => sum + batch.byteLength, 0);
  const buffer = new SharedArrayBuffer(length + 16);
  let at = 16;
  for (const batch of batches) {
    new Uint8Array(buffer).set(batch, at);
    at += batch.byteLength;
  }
  return {
    type: 'records',
    info,
    topic: 'events',
    partition: 3,
    fromOffset: toOffset(BigInt(from)),
    untilOffset: toOffset(BigInt(until)),
    buffer,
    byteOffset: 16,
    byteLength: length,
  };
}

type Message = { offset: number; timestamp: number; key: string | null; value: string | null };

/** The same records as an old 'kafka' task: what kafkajs decoded, in the slots' batch format. */
function kafkaTask(messages: readonly Message[]): SlotTask {
  const encoded = encodeBatch({
    topic: 'events',
    partition: 3,
    messages: messages.map((message) => ({
      key: message.key === null ? null : Buffer.from(message.key),
      value: message.value === null ? null : Buffer.from(message.value),
      offset: String(message.offset),
      timestamp: String(message.timestamp),
    })),
  });
  return { type: 'kafka', info, buffer: encoded.buffer, byteLength: encoded.byteLength };
}

const T = 1_700_000_000_000;
/** WriteBatches.java's 40,000-byte value. */
const BIG = (() => {
  let text = '';
  for (let i = 0; text.length < 40_000; i++) text += `sluice reads what kafka writes, line ${i}\n`;
  return text.slice(0, 40_000);
})();
/** A result without its slot and operators' times, which differ from run to run. */
const result = (output: unknown) => {
  const { slotMs: _, operatorMs: __, ...rest } = decodeResult(output as Uint8Array);
  return rest;
};

describe("TaskRunner: 'records' tasks", () => {
  it("gives the result of the equivalent 'kafka' task", () => {
    const graph = buildGraph(seen, {});
    const records = recordsTask(
      [
        fixture('codec-snappy.bin'),
        fixture('txn-data.bin'),
        fixture('txn-commit.bin'),
        fixture('compacted.bin'),
        fixture('log-append-time.bin'),
      ],
      101,
      401,
    );
    const kafka = kafkaTask([
      { offset: 101, timestamp: T + 1, key: null, value: 'v1' },
      { offset: 102, timestamp: T + 2, key: 'k2', value: null },
      { offset: 103, timestamp: T - 5, key: 'ключ', value: 'значение ✓ 🚀' },
      { offset: 104, timestamp: T + 1000, key: '', value: '' },
      { offset: 105, timestamp: T + 1001, key: 'big', value: BIG },
      { offset: 200, timestamp: T + 200, key: 't0', value: 'committed 0' },
      { offset: 201, timestamp: T + 201, key: 't1', value: 'committed 1' },
      { offset: 202, timestamp: T + 202, key: 't2', value: 'committed 2' },
      ...[300, 303, 304, 309].map((offset) => ({
        offset,
        timestamp: T + offset,
        key: `c${offset}`,
        value: `v${offset}`,
      })),
      { offset: 400, timestamp: T + 123_456, key: 'a0', value: 'first' },
    ]);
    const fromRecords = result(runner(graph).run(records));
    expect(fromRecords).toMatchObject({ topic: 'events', partition: 3, records: 13, decodeErrors: 0 });
    expect(fromRecords).toEqual(result(runner(graph).run(kafka)));
    // Each record's age at the slot's clock, in µs: the main thread moves them to the outputs.
    expect(fromRecords.latency?.at).toBe(CLOCK);
    const ages = LatencyHistogram.fromSparse(fromRecords.latency?.ages ?? []);
    expect(ages.count).toBe(13);
    expect(ages.max).toBe((CLOCK - (T - 5)) * 1000);
  });

  it('fails each offset of a corrupt batch under the decode policy, with its real offset and no bytes', () => {
    const bad = Buffer.from(fixture('log-append-time.bin'));
    bad[70] = (bad[70] as number) ^ 0xff;
    const task = recordsTask([bad, fixture('compacted.bin')], 0, 1000);
    const problem = 'corrupt record batch events-3 at offsets 400-401 (none): CRC-32C mismatch';
    const run = result(runner(buildGraph(seen, {}), { decodePolicy: 'dlq' }).run(task));
    expect(run).toMatchObject({ records: 6, decodeErrors: 2 });
    expect(run.failures).toEqual([
      { topic: 'events', partition: 3, offset: 400n, error: problem, key: null, value: null },
      { topic: 'events', partition: 3, offset: 401n, error: problem, key: null, value: null },
    ]);
  });

  it('stops the batch at the first corrupt offset under the fail policy', () => {
    const bad = Buffer.from(fixture('log-append-time.bin'));
    bad[70] = (bad[70] as number) ^ 0xff;
    const task = recordsTask([fixture('compacted.bin'), bad], 304, 1000);
    const run = result(runner(buildGraph(seen, {}), { decodePolicy: 'fail' }).run(task));
    expect(run.fatal).toEqual({
      code: 'SLUICE_DECODE',
      message:
        'cannot decode record at topic events, partition 3, offset 400: corrupt record batch events-3 at offsets 400-401 (none): CRC-32C mismatch',
    });
  });

  it('hands given values to the job in place of the bytes', () => {
    const given: GivenValues = (topic, partition, index) =>
      topic === 'events' && partition === 3 && index === 0 ? { value: 'given' } : undefined;
    const run = result(
      runner(buildGraph(seen, {}), {}, given).run(recordsTask([fixture('log-append-time.bin')], 0, 1000)),
    );
    expect(run.exports).toEqual([
      expect.objectContaining({
        pairs: [
          [`400|${T + 123_456}|a0|given`, 1],
          [`401|${T + 123_456}|a1|second`, 1],
        ],
      }),
    ]);
  });

  it('refuses bytes that do not start with the batch the main thread cut (memory reused too early)', () => {
    const slot = runner(buildGraph(seen, {}));
    const task = recordsTask([fixture('codec-snappy.bin')], 0, 1000);
    if (task.type !== 'records') throw new Error('a records task');
    const first = new DataView(task.buffer, task.byteOffset, 8).getBigInt64(0);
    expect(result(slot.run({ ...task, firstBatch: toOffset(first) }))).toMatchObject({ records: 6 });
    expect(() => slot.run({ ...task, firstBatch: toOffset(first + 5n) })).toThrow(
      `records of events-3 from offset 0: the bytes start with the batch at offset ${first}, not ${first + 5n} as cut (their memory was reused while the slot still needed it)`,
    );
  });

  it('reuses its columns from task to task: each result is that of a fresh runner', () => {
    const graph = buildGraph(seen, {});
    const tasks = [
      recordsTask([fixture('codec-lz4.bin')], 0, 1000),
      recordsTask([fixture('compacted.bin')], 0, 2 ** 40), // offsets as int64, not int32 deltas
      recordsTask([fixture('log-append-time.bin')], 0, 1000),
    ];
    const one = runner(graph);
    for (const task of tasks) expect(result(one.run(task))).toEqual(result(runner(graph).run(task)));
  });

  it('bounds decompression by WorkerInit.maxDecompressedBytes', () => {
    const run = result(
      runner(buildGraph(seen, {}), { maxDecompressedBytes: 1000 }).run(
        recordsTask([fixture('codec-zstd.bin')], 0, 1000),
      ),
    );
    expect(run).toMatchObject({ records: 6, decodeErrors: 6 });
  });
});
