import { decodeResult, encodeResult } from '../runtime/result-codec.ts';
import { decodeValue, type ValueFormat } from '../stream/decode.ts';
import {
  type BatchInfo,
  buildGraph,
  type DecodeFailure,
  type DecodePolicy,
  type Job,
  mergePartitions,
  type OutputBatch,
  type PartitionResult,
  Plan,
  type RecordInput,
  runPartition,
  type SourceRecord,
} from '../stream/index.ts';

export type TestRecord = {
  readonly partition?: number;
  /** Defaults to the next offset of the partition. */
  readonly offset?: bigint | number;
  readonly timestamp?: number;
  readonly key?: string | null;
  readonly topic?: string;
} & ({ readonly value: unknown } | { readonly bytes: string | Uint8Array | null });

export type DriverOptions = {
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly topic?: string;
  readonly intervalMs?: number;
  /** Time of the first batch's start (epoch ms). */
  readonly startTime?: number;
  readonly decodePolicy?: DecodePolicy;
  /** How `bytes` records are decoded. */
  readonly valueFormat?: ValueFormat;
};

export type DriverBatch = {
  readonly info: BatchInfo;
  readonly outputs: readonly OutputBatch[];
  readonly decodeErrors: number;
  readonly failures: readonly DecodeFailure[];
  readonly fatal?: { readonly code: string; readonly message: string };
};

/**
 * Runs a job deterministically in this thread, the way Kafka Streams' TopologyTestDriver does:
 * each call is one batch of explicit records; the worker half runs per partition and its result
 * goes through the same msgpack codec as between threads; foreachBatch outputs are called; every
 * output's values are returned.
 *
 * @example
 * const driver = new TestDriver(job);
 * const batch = await driver.runBatch([{ partition: 0, value: 'a b a' }]);
 */
export class TestDriver {
  readonly plan: Plan;
  readonly #options: Required<Omit<DriverOptions, 'env'>>;
  readonly #nextOffset = new Map<string, bigint>();
  #batchId = 0;

  constructor(job: Job, options: DriverOptions = {}) {
    this.plan = new Plan(buildGraph(job, options.env ?? {}));
    this.#options = {
      topic: options.topic ?? 'input',
      intervalMs: options.intervalMs ?? 1000,
      startTime: options.startTime ?? 0,
      decodePolicy: options.decodePolicy ?? 'fail',
      valueFormat: options.valueFormat ?? 'json',
    };
  }

  async runBatch(records: readonly TestRecord[]): Promise<DriverBatch> {
    const { intervalMs, startTime, decodePolicy } = this.#options;
    const batchId = this.#batchId++;
    const groups = this.#group(records);
    const offsetRanges = [...groups.values()].map((group) => ({
      topic: group.topic,
      partition: group.partition,
      fromOffset: group.records[0]?.offset ?? 0n,
      untilOffset: (group.records.at(-1)?.offset ?? -1n) + 1n,
    }));
    const info: BatchInfo = {
      batchId,
      time: startTime + (batchId + 1) * intervalMs,
      intervalMs,
      offsetRanges,
    };
    const results: PartitionResult[] = [];
    for (const group of groups.values()) {
      const result = runPartition(this.plan, this.#input(group), info, decodePolicy);
      results.push(decodeResult(encodeResult(result)));
    }
    const fatal = results.find((result) => result.fatal)?.fatal;
    const decodeErrors = results.reduce((sum, result) => sum + result.decodeErrors, 0);
    const failures = results.flatMap((result) => result.failures);
    if (fatal) return { info, outputs: [], decodeErrors, failures, fatal };
    const outputs = mergePartitions(this.plan, results, info);
    for (const output of outputs) {
      if (output.sink.type === 'foreachBatch') await output.sink.fn(output.values, info);
    }
    return { info, outputs, decodeErrors, failures };
  }

  #group(records: readonly TestRecord[]): Map<string, Group> {
    const groups = new Map<string, Group>();
    for (const record of records) {
      const topic = record.topic ?? this.#options.topic;
      const partition = record.partition ?? 0;
      const id = `${topic}\u0000${partition}`;
      const offset = record.offset === undefined ? (this.#nextOffset.get(id) ?? 0n) : BigInt(record.offset);
      this.#nextOffset.set(id, offset + 1n);
      let group = groups.get(id);
      if (!group) {
        group = { topic, partition, records: [] };
        groups.set(id, group);
      }
      group.records.push({ ...record, offset });
    }
    return new Map(
      [...groups].sort(([, a], [, b]) => a.topic.localeCompare(b.topic) || a.partition - b.partition),
    );
  }

  #input(group: Group): RecordInput {
    const format = this.#options.valueFormat;
    const at = (index: number): TestRecord & { offset: bigint } => {
      const record = group.records[index];
      if (!record) throw new RangeError(`no record ${index}`);
      return record;
    };
    const bytesOf = (record: TestRecord): Uint8Array | null => {
      if (!('bytes' in record)) return null;
      return typeof record.bytes === 'string' ? Buffer.from(record.bytes) : record.bytes;
    };
    return {
      topic: group.topic,
      partition: group.partition,
      count: group.records.length,
      offset: (index) => at(index).offset,
      raw: (index) => ({
        key: at(index).key ? Buffer.from(at(index).key ?? '') : null,
        value: bytesOf(at(index)),
      }),
      record: (index): SourceRecord => {
        const record = at(index);
        const value = 'bytes' in record ? decodeValue(bytesOf(record), format) : record.value;
        return {
          topic: group.topic,
          partition: group.partition,
          offset: record.offset,
          timestamp: record.timestamp ?? 0,
          key: record.key ?? null,
          value,
        };
      },
    };
  }
}

type Group = { topic: string; partition: number; records: (TestRecord & { offset: bigint })[] };
