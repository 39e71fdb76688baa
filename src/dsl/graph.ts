import type { BatchInfo, Pair } from '../core/index.ts';
import type { AggregationSpec, EmitMode, WindowSpec } from '../window/index.ts';
import type { PostgresSinkSpec } from './postgres-spec.ts';

type Fn = (value: never) => unknown;

/** An output's destination; the engine runs it on the main thread after the batch is merged. */
export type SinkSpec =
  | { readonly type: 'print'; readonly count: number }
  | { readonly type: 'foreachBatch'; readonly fn: (values: readonly unknown[], info: BatchInfo) => unknown }
  | { readonly type: 'saveAsTextFiles'; readonly dir: string }
  | {
      readonly type: 'kafka';
      readonly topic: string;
      readonly partitioner: 'murmur2' | 'hash-value' | 'round-robin';
      readonly key?: (value: never) => unknown;
      /** Kafka `compression.type` of the batches written. */
      readonly compression: 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';
    }
  | PostgresSinkSpec;

export type Node =
  | { readonly kind: 'source'; readonly id: number }
  | {
      readonly kind: 'map' | 'flatMap' | 'filter' | 'mapValues' | 'keyBy';
      readonly id: number;
      readonly parent: number;
      readonly fn: Fn;
    }
  | { readonly kind: 'union'; readonly id: number; readonly parents: readonly number[] }
  | {
      readonly kind: 'transform';
      readonly id: number;
      readonly parent: number;
      readonly fn: (values: never[], info: BatchInfo) => readonly unknown[];
    }
  | {
      readonly kind: 'reduceByKey' | 'reduce';
      readonly id: number;
      readonly parent: number;
      readonly fn: (a: never, b: never) => unknown;
    }
  | { readonly kind: 'count' | 'countByValue'; readonly id: number; readonly parent: number }
  | {
      readonly kind: 'withWatermark';
      readonly id: number;
      readonly parent: number;
      readonly allowedLatenessMs: number;
      /** Event time of a value; the source record's timestamp when absent. */
      readonly timestamp?: (value: never) => number;
    }
  | { readonly kind: 'window'; readonly id: number; readonly parent: number; readonly spec: WindowSpec }
  | WindowAggregateNode
  | { readonly kind: 'lateRecords'; readonly id: number; readonly parent: number }
  | KeyedStateNode
  | { readonly kind: 'stateSnapshots'; readonly id: number; readonly parent: number }
  | { readonly kind: 'output'; readonly id: number; readonly parent: number; readonly sink: SinkSpec };

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
  readonly spec: WindowSpec;
  readonly aggregation: AggregationSpec;
  readonly input: 'pairs' | 'values' | 'single';
  readonly output: 'results' | 'pairs' | 'value';
  readonly emit: EmitMode;
  /** Spark's `filterFunc`: which (key, value) pairs of a window to keep. */
  readonly filter?: (pair: never) => boolean;
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
      readonly fn: (values: never[], state: never) => unknown;
    }
  | {
      readonly kind: 'mapWithState';
      readonly id: number;
      readonly parent: number;
      readonly fn: (key: never, value: never, state: never) => unknown;
      readonly timeoutMs?: number;
      readonly initialState: readonly (readonly [unknown, unknown])[];
    };

export function isKeyedState(node: Node): node is KeyedStateNode {
  return node.kind === 'updateStateByKey' || node.kind === 'mapWithState';
}

export type WindowNode = Extract<Node, { kind: 'window' | 'windowAggregate' }>;

export function isWindow(node: Node): node is WindowNode {
  return node.kind === 'window' || node.kind === 'windowAggregate';
}

export type NodeKind = Node['kind'];
export type AggregateNode = Extract<Node, { kind: 'reduceByKey' | 'reduce' | 'count' | 'countByValue' }>;

export const AGGREGATE_KINDS: ReadonlySet<NodeKind> = new Set([
  'reduceByKey',
  'reduce',
  'count',
  'countByValue',
]);

export function isAggregate(node: Node): node is AggregateNode {
  return AGGREGATE_KINDS.has(node.kind);
}

export function parentsOf(node: Node): readonly number[] {
  if (node.kind === 'source') return [];
  if (node.kind === 'union') return node.parents;
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
        return `${node.id}:${node.kind}${sink}(${parentsOf(node).join(',')})`;
      })
      .join(' ');
  }
}

export type AnyPair = Pair<unknown, unknown>;
