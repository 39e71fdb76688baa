// The job graph: typed nodes for every operator and output, and what the planner asks of them.

import type { BatchInfo, Pair } from '../core/index.ts';
import type { AggregationSpec, EmitMode, SessionWindowSpec, WindowSpec } from '../window/index.ts';
import type { AsyncCall, AsyncSpec } from './async-spec.ts';
import { describeInput, type InputSpec } from './input-spec.ts';
import type { TopicCreation } from './kafka-output-spec.ts';
import type { PostgresSinkSpec } from './postgres-spec.ts';
import type { StateHandle } from './state-spec.ts';

/** An output's destination; the engine runs it on the main thread after the batch is merged. */
export type SinkSpec =
  | { readonly type: 'print'; readonly count: number }
  | { readonly type: 'foreachBatch'; readonly fn: (values: readonly unknown[], info: BatchInfo) => unknown }
  | { readonly type: 'saveAsTextFiles'; readonly dir: string }
  | {
      readonly type: 'kafka';
      readonly topic: string;
      readonly partitioner: 'murmur2' | 'hash-value' | 'round-robin';
      readonly key?: (value: unknown) => unknown;
      /** Kafka `compression.type` of the batches written. */
      readonly compression: 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';
      /** Created at start when missing. */
      readonly create?: TopicCreation;
    }
  | PostgresSinkSpec;

/** Fields every node but the source has. */
type Edge = { readonly id: number; readonly parent: number };

// Operator functions keep their real shape over `unknown` values: the DStream's type parameters
// guaranteed the values when the job was built (synchronous.ts erases them there, once).
export type ElementNode =
  | (Edge & { readonly kind: 'map'; readonly fn: (value: unknown) => unknown })
  | (Edge & { readonly kind: 'flatMap'; readonly fn: (value: unknown) => Iterable<unknown> })
  | (Edge & { readonly kind: 'filter'; readonly fn: (value: unknown) => boolean })
  | (Edge & { readonly kind: 'keyBy'; readonly fn: (value: unknown) => unknown })
  | (Edge & { readonly kind: 'mapValues'; readonly fn: (value: unknown) => unknown })
  | (Edge & { readonly kind: 'flatMapValues'; readonly fn: (value: unknown) => Iterable<unknown> });

/** What a two-stream pair operation emits per key: Spark's cogroup, or one of its joins. */
export type PairJoin = 'cogroup' | 'join' | 'leftOuterJoin' | 'rightOuterJoin' | 'fullOuterJoin';

/** A pair operation of two streams, per batch: the values of each key from both, then `join`'s rows. */
export type CogroupNode = {
  readonly kind: 'cogroup';
  readonly id: number;
  readonly parents: readonly [left: number, right: number];
  readonly join: PairJoin;
};

/** `transformWith`: a function of both streams' values of the batch, on the main thread. */
export type TransformWithNode = {
  readonly kind: 'transformWith';
  readonly id: number;
  readonly parents: readonly [left: number, right: number];
  readonly fn: (left: unknown[], right: unknown[], info: BatchInfo) => readonly unknown[];
};

export type TransformNode = Edge & {
  readonly kind: 'transform';
  readonly fn: (values: unknown[], info: BatchInfo) => readonly unknown[];
};

/**
 * `mapAsync` and `filterAsync`: calls that may settle later, at most `options.concurrency` per
 * partition at once, whose results go on in input order. They run in the worker slots only.
 */
export type AsyncNode = Edge & {
  readonly kind: 'mapAsync' | 'filterAsync';
  /** May return a value or a Promise of one (a filter's: whether to keep the value). */
  readonly fn: (value: unknown, call: AsyncCall) => unknown;
  readonly options: AsyncSpec;
};

export type WatermarkNode = Edge & {
  readonly kind: 'withWatermark';
  readonly allowedLatenessMs: number;
  /** Event time of a value; the source record's timestamp when absent. */
  readonly timestamp?: (value: unknown) => number;
};

/** An input: `input` names its topics and format; without it, SLUICE_TOPICS in SLUICE_VALUE_FORMAT. */
export type SourceNode = { readonly kind: 'source'; readonly id: number; readonly input?: InputSpec };

export type Node =
  | SourceNode
  | ElementNode
  | { readonly kind: 'union'; readonly id: number; readonly parents: readonly number[] }
  | TransformNode
  | AsyncNode
  | (Edge & { readonly kind: 'reduceByKey' | 'reduce'; readonly fn: (a: unknown, b: unknown) => unknown })
  | (Edge & { readonly kind: 'count' | 'countByValue' })
  | (Edge & { readonly kind: 'groupByKey' })
  | (Edge & {
      readonly kind: 'combineByKey';
      readonly create: (value: unknown) => unknown;
      readonly mergeValue: (combiner: unknown, value: unknown) => unknown;
      readonly mergeCombiners: (a: unknown, b: unknown) => unknown;
    })
  | CogroupNode
  | TransformWithNode
  | WatermarkNode
  | (Edge & { readonly kind: 'window'; readonly spec: WindowSpec })
  | WindowAggregateNode
  | (Edge & { readonly kind: 'lateRecords' })
  | KeyedStateNode
  | (Edge & { readonly kind: 'stateSnapshots' })
  | (Edge & { readonly kind: 'output'; readonly sink: SinkSpec });

/**
 * A keyed window aggregation. `input` says how a value becomes (key, value): a pair, the value as
 * its own key (countByValueAndWindow), or one key for the whole stream (countByWindow,
 * reduceByWindow). `output` is the shape emitted: window results, Spark's pairs, or bare values.
 */
export type WindowAggregateNode = {
  readonly kind: 'windowAggregate';
  readonly id: number;
  readonly parent: number;
  /** The Spark operator or `windowAggregate`, for messages. */
  readonly operator: string;
  /** Time windows, or (windowAggregate on event time only) session windows. */
  readonly spec: WindowSpec | SessionWindowSpec;
  readonly aggregation: AggregationSpec;
  readonly input: 'pairs' | 'values' | 'single';
  readonly output: 'results' | 'pairs' | 'value';
  readonly emit: EmitMode;
  /** Spark's `filterFunc`: which (key, value) pairs of a window to keep. */
  readonly filter?: (pair: unknown) => boolean;
};

/**
 * A keyed state operation on pairs; its state lives on the main thread in state partitions
 * (`state-store.ts`). `initialState` is materialised when the job is built.
 */
export type KeyedStateNode =
  | {
      readonly kind: 'updateStateByKey';
      readonly id: number;
      readonly parent: number;
      readonly fn: (values: unknown[], state: unknown) => unknown;
    }
  | IntervalJoinNode
  | TableJoinNode
  | {
      readonly kind: 'mapWithState';
      readonly id: number;
      readonly parent: number;
      readonly fn: (key: unknown, value: unknown, state: StateHandle) => unknown;
      readonly timeoutMs?: number;
      readonly initialState: readonly (readonly [unknown, unknown])[];
    };

/**
 * An event-time interval join of two streams of pairs (Flink's `intervalJoin`, Kafka Streams'
 * `JoinWindows`): a left value at time t meets every right value of its key at a time in
 * [t + lowerMs, t + upperMs]. Each side's values wait in keyed state until the watermark passes
 * the last time a value of the other side could meet them; with `outer`, a left value that met
 * none is then emitted with `null`.
 */
export type IntervalJoinNode = {
  readonly kind: 'intervalJoin';
  readonly id: number;
  readonly parents: readonly [left: number, right: number];
  readonly lowerMs: number;
  readonly upperMs: number;
  readonly outer: boolean;
};

/**
 * A stream–table join: each value of the stream (pairs) meets the table's value of its key as of
 * the batch (the batch's table updates applied first); with `outer`, a value whose key the table
 * lacks comes with `null`. The table is kept as keyed state in the state partitions.
 */
export type TableJoinNode = {
  readonly kind: 'tableJoin';
  readonly id: number;
  readonly parents: readonly [stream: number, table: number];
  readonly outer: boolean;
};

/** The element-wise kinds, checked against `ElementNode` by the compiler both ways. */
const ELEMENT_KINDS: Readonly<Record<ElementNode['kind'], true>> = {
  map: true,
  flatMap: true,
  filter: true,
  keyBy: true,
  mapValues: true,
  flatMapValues: true,
};

/** Whether `node` maps each value on its own (operators/stateless.ts runs it, on either thread). */
export function isElement(node: Node): node is ElementNode {
  return Object.hasOwn(ELEMENT_KINDS, node.kind);
}

export function isKeyedState(node: Node): node is KeyedStateNode {
  return (
    node.kind === 'updateStateByKey' ||
    node.kind === 'mapWithState' ||
    node.kind === 'intervalJoin' ||
    node.kind === 'tableJoin'
  );
}

export function isAsync(node: Node): node is AsyncNode {
  return node.kind === 'mapAsync' || node.kind === 'filterAsync';
}

export type WindowNode = Extract<Node, { kind: 'window' | 'windowAggregate' }>;

export function isWindow(node: Node): node is WindowNode {
  return node.kind === 'window' || node.kind === 'windowAggregate';
}

export type NodeKind = Node['kind'];
export type AggregateNode = Extract<
  Node,
  { kind: 'reduceByKey' | 'reduce' | 'count' | 'countByValue' | 'groupByKey' | 'combineByKey' | 'cogroup' }
>;

export const AGGREGATE_KINDS: ReadonlySet<NodeKind> = new Set([
  'reduceByKey',
  'reduce',
  'count',
  'countByValue',
  'groupByKey',
  'combineByKey',
  'cogroup',
]);

export function isAggregate(node: Node): node is AggregateNode {
  return AGGREGATE_KINDS.has(node.kind);
}

export function parentsOf(node: Node): readonly number[] {
  if (node.kind === 'source') return [];
  if (
    node.kind === 'union' ||
    node.kind === 'cogroup' ||
    node.kind === 'transformWith' ||
    node.kind === 'intervalJoin' ||
    node.kind === 'tableJoin'
  )
    return node.parents;
  return [node.parent];
}

/** The operator graph a job builds: nodes in creation order, so ids are a topological order. */
export class Graph {
  readonly nodes: Node[] = [];

  add<N extends Node>(make: (id: number) => N): N {
    const node = make(this.nodes.length);
    this.nodes.push(node);
    return node;
  }

  node(id: number): Node {
    const node = this.nodes[id];
    if (!node) throw new RangeError(`no node ${id}`);
    return node;
  }

  /**
   * A text naming every node, its parents and its sink. Main thread and workers each build the
   * graph from the job module; equal signatures prove they built the same one.
   */
  signature(): string {
    return this.nodes
      .map((node) => {
        const sink = node.kind === 'output' ? `:${node.sink.type}` : '';
        const input = node.kind === 'source' && node.input ? `[${describeInput(node.input)}]` : '';
        return `${node.id}:${node.kind}${sink}${input}(${parentsOf(node).join(',')})`;
      })
      .join(' ');
  }
}

export type AnyPair = Pair<unknown, unknown>;
