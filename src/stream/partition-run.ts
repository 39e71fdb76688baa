import { ErrorCode, isSluiceError } from '../errors/index.ts';
import { isAggregate, type Node } from './graph.ts';
import { type Aggregator, aggregatorFor, type Export } from './partials.ts';
import type { Plan } from './plan.ts';
import type { BatchInfo, Origin, SourceRecord } from './types.ts';

export type DecodePolicy = 'fail' | 'skip' | 'dlq';

/** One partition's records for one batch, decoded on demand in the worker. */
export type RecordInput = {
  readonly topic: string;
  readonly partition: number;
  readonly count: number;
  offset(index: number): bigint;
  /** Decodes record `index`; throws when its bytes cannot be decoded. */
  record(index: number): SourceRecord;
  /** The undecoded bytes, for the dead-letter topic. */
  raw(index: number): { readonly key: Uint8Array | null; readonly value: Uint8Array | null };
};

export type DecodeFailure = Origin & {
  readonly error: string;
  /** Present under the dlq policy: the original bytes to dead-letter. */
  readonly key?: Uint8Array | null;
  readonly value?: Uint8Array | null;
};

/** What a worker returns for one partition batch: small partials, never per-record objects (unless asked for). */
export type PartitionResult = {
  readonly topic: string;
  readonly partition: number;
  readonly records: number;
  readonly exports: Export[];
  readonly decodeErrors: number;
  /** Under `skip`, a sample; under `dlq`, every failed record with its bytes. */
  readonly failures: DecodeFailure[];
  /** Set when the batch must not be committed: a decode error under `fail`, or a user function that threw. */
  readonly fatal?: { readonly code: string; readonly message: string };
};

const SKIP_SAMPLE = 5;

type Receiver = (value: unknown) => void;

/** Errors that the decode policy handles: bytes that are not the format, or a job saying so. */
export function isDecodeError(error: unknown): boolean {
  return error instanceof SyntaxError || isSluiceError(error, ErrorCode.decode);
}

export function describeOrigin(origin: Origin): string {
  return `topic ${origin.topic}, partition ${origin.partition}, offset ${origin.offset}`;
}

/**
 * Runs the worker side of the plan over one partition's batch: each record is pushed through the
 * operators up to the aggregations, which keep per-key partials.
 */
export function runPartition(
  plan: Plan,
  input: RecordInput,
  info: BatchInfo,
  policy: DecodePolicy,
): PartitionResult {
  const state = new PartitionState(plan, info);
  const failures: DecodeFailure[] = [];
  let decodeErrors = 0;
  const base = { topic: input.topic, partition: input.partition, records: input.count };

  for (let index = 0; index < input.count; index++) {
    try {
      state.push(input.record(index));
    } catch (error) {
      const origin = { topic: input.topic, partition: input.partition, offset: input.offset(index) };
      const message = error instanceof Error ? error.message : String(error);
      if (!isDecodeError(error)) {
        const fatal = { code: ErrorCode.userFunction, message: `${message} (at ${describeOrigin(origin)})` };
        return { ...base, exports: [], decodeErrors, failures, fatal };
      }
      decodeErrors++;
      if (policy === 'fail') {
        const fatal = {
          code: ErrorCode.decode,
          message: `cannot decode record at ${describeOrigin(origin)}: ${message}`,
        };
        return { ...base, exports: [], decodeErrors, failures: [{ ...origin, error: message }], fatal };
      }
      if (policy === 'dlq') failures.push({ ...origin, error: message, ...input.raw(index) });
      else if (failures.length < SKIP_SAMPLE) failures.push({ ...origin, error: message });
    }
  }
  try {
    state.flush();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const fatal = {
      code: ErrorCode.userFunction,
      message: `${message} (in transform, ${input.topic}-${input.partition})`,
    };
    return { ...base, exports: [], decodeErrors, failures, fatal };
  }
  return { ...base, exports: state.exports(), decodeErrors, failures };
}

class PartitionState {
  readonly #plan: Plan;
  readonly #info: BatchInfo;
  readonly #receivers: Receiver[] = [];
  readonly #records = new Map<number, unknown[]>();
  readonly #aggregators = new Map<number, Aggregator>();
  readonly #transforms = new Map<number, unknown[]>();

  constructor(plan: Plan, info: BatchInfo) {
    this.#plan = plan;
    this.#info = info;
    for (const id of plan.recordExports) this.#records.set(id, []);
    // Built from the last node back, so each receiver can call its children's.
    for (let id = plan.nodes.length - 1; id >= 0; id--) {
      const node = plan.nodes[id];
      if (node && !plan.onMain[id]) this.#receivers[id] = this.#receiver(node);
      else if (node && plan.partialExports.has(id)) this.#receivers[id] = this.#partial(node);
    }
  }

  push(record: SourceRecord): void {
    this.#receivers[0]?.(record);
  }

  /** Runs batch-level transforms, in graph order, once every record has been pushed. */
  flush(): void {
    // Ascending ids: a transform fed by another is flushed after it.
    for (const id of [...this.#transforms.keys()].sort((a, b) => a - b)) {
      const node = this.#plan.nodes[id];
      const values = this.#transforms.get(id) ?? [];
      if (node?.kind !== 'transform') continue;
      const emit = this.#emitter(id);
      for (const value of node.fn(values as never[], this.#info)) emit(value);
    }
  }

  exports(): Export[] {
    const out: Export[] = [];
    for (const [node, values] of this.#records) out.push({ node, kind: 'records', values });
    for (const [node, aggregator] of this.#aggregators) out.push(aggregator.toExport(node));
    return out;
  }

  /** Delivers a node's output to its children and, when exported, to its record list. */
  #emitter(id: number): Receiver {
    const targets = (this.#plan.children[id] ?? [])
      .map((child) => this.#receivers[child])
      .filter((receiver): receiver is Receiver => receiver !== undefined);
    const exported = this.#records.get(id);
    if (exported) targets.push((value) => exported.push(value));
    if (targets.length === 1) return targets[0] as Receiver;
    return (value) => {
      for (const target of targets) target(value);
    };
  }

  #receiver(node: Node): Receiver {
    const emit = this.#emitter(node.id);
    switch (node.kind) {
      case 'source':
      case 'union':
        return emit;
      case 'map': {
        const fn = node.fn as (value: unknown) => unknown;
        return (value) => emit(fn(value));
      }
      case 'flatMap': {
        const fn = node.fn as (value: unknown) => Iterable<unknown>;
        return (value) => {
          for (const item of fn(value)) emit(item);
        };
      }
      case 'filter': {
        const fn = node.fn as (value: unknown) => boolean;
        return (value) => {
          if (fn(value)) emit(value);
        };
      }
      case 'keyBy': {
        const fn = node.fn as (value: unknown) => unknown;
        return (value) => emit([fn(value), value]);
      }
      case 'mapValues': {
        const fn = node.fn as (value: unknown) => unknown;
        return (value) => {
          const [key, inner] = value as [unknown, unknown];
          emit([key, fn(inner)]);
        };
      }
      case 'transform': {
        const buffer: unknown[] = [];
        this.#transforms.set(node.id, buffer);
        return (value) => buffer.push(value);
      }
      default:
        throw new Error(`node ${node.id} (${node.kind}) cannot run in a worker`);
    }
  }

  #partial(node: Node): Receiver {
    if (!isAggregate(node)) throw new Error(`node ${node.id} (${node.kind}) is not an aggregation`);
    const aggregator = aggregatorFor(node);
    this.#aggregators.set(node.id, aggregator);
    return (value) => aggregator.add(value);
  }
}
