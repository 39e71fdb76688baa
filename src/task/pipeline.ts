// The one interpreter of operators: which stage runs a node, the slot's push chain, and a main-thread node's run.
import type { BatchInfo, SourceRecord } from '../core/index.ts';
import { isAggregate, isElement, isKeyedState, type Node, type Plan, parentsOf } from '../dsl/index.ts';
import { ErrorCode, SluiceError } from '../errors/index.ts';
import { OperatorClock, type OperatorTimer } from './operator-clock.ts';
import { aggregatePartial, aggregateStage } from './operators/aggregate.ts';
import { asyncStage } from './operators/async.ts';
import { keyedStatePartial } from './operators/keyed-state.ts';
import { elementReceiver, transformStage, transformWithStage } from './operators/stateless.ts';
import {
  type AsyncStage,
  type BatchScope,
  type Calls,
  isAsyncStage,
  type PairStage,
  type PartialStage,
  type Receiver,
  type Stage,
} from './operators/types.ts';
import { watermarkStage, windowAggregatePartial, windowStage } from './operators/window.ts';
import { type EncodedSink, isEncodedSink, type KafkaLayout, outputEncoder } from './output-encoding.ts';
import type { Export } from './partials.ts';
import type { BatchWindows } from './window-ops.ts';

/** The stage that runs `node` over a batch's values, wherever it runs: the one switch on kinds. */
export function stageFor(node: Node, scope: BatchScope): Stage {
  const emit = scope.emitter(node.id);
  if (isElement(node)) return { push: elementReceiver(node, emit) };
  switch (node.kind) {
    case 'source':
    case 'union':
    case 'lateRecords':
    case 'output':
      return { push: emit };
    case 'transform':
      return transformStage(node, scope, emit);
    case 'transformWith':
      return transformWithStage(node, scope, emit);
    case 'mapAsync':
    case 'filterAsync':
      return asyncStage(node, scope, emit);
    case 'reduceByKey':
    case 'reduce':
    case 'count':
    case 'countByValue':
    case 'groupByKey':
    case 'combineByKey':
    case 'cogroup':
      return aggregateStage(node, emit);
    case 'withWatermark':
      return watermarkStage(node, scope, emit);
    case 'window':
      return windowStage(node, scope, emit);
    case 'windowAggregate':
    case 'updateStateByKey':
    case 'mapWithState':
    case 'intervalJoin':
    case 'tableJoin':
    case 'stateSnapshots':
      // Their main-thread side merges the slots' partials (coordinator/merge.ts), not values.
      throw new SluiceError(
        ErrorCode.jobInvalid,
        `${node.kind} runs in the workers, never on the main thread`,
      );
  }
}

/** What `stage` takes from its parent `parent`: a stage of two parents tells them apart. */
function receiverOf(stage: Stage | undefined, parent: number): Receiver | undefined {
  if (stage && 'pushFrom' in stage) return (stage as PairStage).pushFrom(parent);
  return stage?.push;
}

/**
 * An output whose sink writes bytes: the slot's side encodes its values into them — for toKafka,
 * whole record batches when the task named the topic's partitions.
 */
function encodedOutput(node: number, sink: EncodedSink, scope: BatchScope): PartialStage {
  const encoder = outputEncoder(sink, scope.kafkaLayouts?.get(node));
  return {
    push: (value) => encoder.push(value),
    partial: () => {
      const { count, parts, batches } = encoder.output();
      return batches
        ? { node, kind: 'kafkaBatches', count, batches: [...batches] }
        : { node, kind: 'encoded', count, bytes: parts[0] ?? new Uint8Array() };
    },
  };
}

/** The slot's side of an aggregation, or of an output, that the main thread finishes. */
function partialFor(node: Node, scope: BatchScope, statePartitions: number | undefined): PartialStage {
  if (node.kind === 'windowAggregate') return windowAggregatePartial(node, scope, statePartitions);
  if (isKeyedState(node)) return keyedStatePartial(node, scope, statePartitions);
  if (isAggregate(node)) return aggregatePartial(node);
  if (node.kind === 'output' && isEncodedSink(node.sink)) return encodedOutput(node.id, node.sink, scope);
  throw new Error(`node ${node.id} (${node.kind}) is not an aggregation`);
}

/**
 * A slot's pipeline for one partition batch: every record is pushed through the stages of the
 * nodes before the first aggregation, which keep partials; `end` closes the batch in graph order.
 * With asynchronous stages (`calls` given), values past one go on when its calls settle, and the
 * run drains each before the stages after it end (`endFrom`).
 */
export class SlotPipeline {
  readonly #plan: Plan;
  readonly #scope: BatchScope;
  readonly #stages: (Stage | undefined)[] = [];
  readonly #partials: PartialStage[] = [];
  readonly #records = new Map<number, unknown[]>();
  /** Per node, the values it handed on in this batch (late records left out): the dashboard's records out. */
  readonly emitted: number[];
  /** Each node's own time in the slot, sampled. */
  readonly #clock: OperatorClock;
  #topic: string | undefined;
  #source: Stage | undefined;
  #sourceId = -1;
  /** The asynchronous stages, in graph order. */
  readonly asyncStages: readonly AsyncStage[];

  constructor(
    plan: Plan,
    info: BatchInfo,
    windows: BatchWindows,
    statePartitions?: number,
    kafkaLayouts?: ReadonlyMap<number, KafkaLayout>,
    calls?: Calls,
    timer?: OperatorTimer,
  ) {
    this.#plan = plan;
    this.emitted = new Array<number>(plan.nodes.length).fill(0);
    this.#clock = new OperatorClock(plan.nodes.length, timer);
    this.#scope = {
      info,
      time: 0,
      record: -1,
      windows,
      fired: [],
      emitter: (id, late) => this.#emitter(id, late),
      ...(kafkaLayouts ? { kafkaLayouts } : {}),
      ...(calls ? { calls } : {}),
    };
    for (const id of plan.recordExports) this.#records.set(id, []);
    const partials: PartialStage[] = [];
    // Built from the last node back, so each stage can take its children's receivers.
    for (let id = plan.nodes.length - 1; id >= 0; id--) {
      const node = plan.nodes[id];
      if (!node) continue;
      if (!plan.onMain[id]) this.#stages[id] = stageFor(node, this.#scope);
      else if (plan.partialExports.has(id) || plan.slotOutputs.has(id)) {
        const partial = partialFor(node, this.#scope, statePartitions);
        this.#stages[id] = partial;
        partials.push(partial);
      }
    }
    this.#partials = partials.reverse();
    this.asyncStages = this.#stages.filter(
      (stage): stage is AsyncStage => stage !== undefined && isAsyncStage(stage),
    );
  }

  /** Window operations that fired at least one window in this batch. */
  get fired(): number[] {
    return this.#scope.fired;
  }

  /** The batch index of the record the value being pushed (or handed on) came from. */
  get record(): number {
    return this.#scope.record;
  }

  /** Record `index` of the partition batch into the first stage. */
  push(record: SourceRecord, index: number): void {
    this.#scope.time = record.timestamp;
    this.#scope.record = index;
    // A partition's batch is of one topic: its input is looked up once.
    if (record.topic !== this.#topic) {
      const source = this.#plan.inputs.sourceFor(record.topic);
      if (!source)
        throw new SluiceError(ErrorCode.jobInvalid, `no input of the job reads topic ${record.topic}`);
      this.#topic = record.topic;
      this.#source = this.#stages[source.id];
      this.#sourceId = source.id;
    }
    if (this.#source) this.#clock.enter(this.#sourceId, record, this.#source.push);
  }

  /** Each node's own time in this slot over the batch, ms, estimated from sampled values. */
  operatorMs(): number[] {
    return this.#clock.estimates();
  }

  /**
   * Once every record is in: each stage's end, in graph order (a node fed by another comes after
   * it), from node `from` on, up to an asynchronous stage that still holds values: its node, for
   * the run to drain it and go on from there; -1 once every stage has ended.
   */
  endFrom(from: number): number {
    const stages = this.#stages;
    for (let id = from; id < stages.length; id++) {
      const stage = stages[id];
      if (stage && isAsyncStage(stage) && stage.held > 0) return id;
      // What a stage's end emits (a transform's, a window's) comes from no one record.
      this.#scope.record = -1;
      const end = stage?.end;
      if (end) this.#clock.end(id, end);
    }
    return -1;
  }

  /** The stage of node `id`, when it is asynchronous. */
  asyncStage(id: number): AsyncStage | undefined {
    const stage = this.#stages[id];
    return stage && isAsyncStage(stage) ? stage : undefined;
  }

  /** What the main thread gets: the exported nodes' records, then the partials in graph order. */
  exports(): Export[] {
    const out: Export[] = [];
    for (const [node, values] of this.#records) out.push({ node, kind: 'records', values });
    for (const partial of this.#partials) out.push(partial.partial());
    return out;
  }

  /**
   * Delivers a node's output to its children and, when exported, to its record list. A window's
   * `lateRecords` children get only its late records (`late`), the other children none of them.
   */
  #emitter(id: number, late = false): Receiver {
    const children: [number, Receiver][] = [];
    for (const child of this.#plan.children[id] ?? []) {
      if ((this.#plan.nodes[child]?.kind === 'lateRecords') !== late) continue;
      const receiver = receiverOf(this.#stages[child], id);
      if (receiver) children.push([child, receiver]);
    }
    const exported = this.#records.get(id);
    // An exported value's push is the node's own time.
    if (exported) children.push([id, (value) => exported.push(value)]);
    const targets = children.map(([, receiver]) => receiver);
    const deliver: Receiver =
      targets.length === 1
        ? (targets[0] as Receiver)
        : (value) => {
            for (const target of targets) target(value);
          };
    const clock = this.#clock;
    const timed: Receiver = (value) => {
      for (const [child, receiver] of children) clock.edge(id, child, receiver, value);
    };
    const handOn: Receiver = (value) => {
      if (clock.on) timed(value);
      else if (clock.ending === id) clock.enter(id, value, deliver, timed);
      else deliver(value);
    };
    if (late) return handOn;
    // One increment per value and node, in the slot.
    const emitted = this.emitted;
    return (value) => {
      emitted[id] = (emitted[id] ?? 0) + 1;
      handOn(value);
    };
  }
}

/**
 * Runs one main-thread node over the batch's values of its parents (in parent order) through the
 * same stage a slot would run; what it emits, in order. A pass-through node of one parent hands
 * its input on unchanged: the main thread copies no records it need not.
 */
export function runOnMain(
  node: Node,
  inputs: readonly (readonly unknown[])[],
  info: BatchInfo,
): readonly unknown[] {
  if (node.kind === 'output' || (node.kind === 'union' && inputs.length === 1)) return inputs[0] ?? [];
  const out: unknown[] = [];
  const push: Receiver = (value) => out.push(value);
  const stage = stageFor(node, {
    info,
    time: Number.NaN,
    record: -1,
    windows: undefined,
    fired: [],
    emitter: () => push,
  });
  const parents = parentsOf(node);
  for (const [index, input] of inputs.entries()) {
    const receive = receiverOf(stage, parents[index] as number) as Receiver;
    for (const value of input) receive(value);
  }
  stage.end?.();
  return out;
}
