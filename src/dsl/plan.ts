// The plan: which nodes run in the slots, which merge on the main thread, where windows and state live.

import { ErrorCode, SluiceError } from '../errors/index.ts';
import { batchIntervalProblem, isSessionSpec } from '../window/index.ts';
import {
  type AsyncNode,
  type CogroupNode,
  type Graph,
  type IntervalJoinNode,
  isAggregate,
  isAsync,
  isKeyedState,
  isWindow,
  type KeyedStateNode,
  type Node,
  parentsOf,
  type SinkSpec,
  type TransformWithNode,
  type WindowAggregateNode,
  type WindowNode,
} from './graph.ts';
import { Inputs } from './inputs.ts';

/**
 * Nodes that keep partials per partition and send them to the main thread to merge. Keyed state
 * operations get their input pre-grouped per key (in record order) by the partition's slot.
 */
/** Whether two streams come from different sets of inputs. */
function differ(a: ReadonlySet<number> | undefined, b: ReadonlySet<number> | undefined): boolean {
  return a?.size !== b?.size || [...(a ?? [])].some((source) => !b?.has(source));
}

function isPartial(node: Node): boolean {
  return isAggregate(node) || node.kind === 'windowAggregate' || isKeyedState(node);
}

/**
 * Where each node runs. Everything up to the first aggregation runs in the worker slot of the
 * partition; aggregations (merged partials) and everything after them run on the main thread.
 * Window operations keep their panes in the slot across batches; `lateRecords` runs in the slot
 * too, fed by the window operation it follows.
 */
export class Plan {
  readonly graph: Graph;
  /** True for nodes evaluated on the main thread. */
  readonly onMain: readonly boolean[];
  /** Worker-side nodes whose records the main thread needs. */
  readonly recordExports: ReadonlySet<number>;
  /** Aggregations whose partials the workers compute. */
  readonly partialExports: ReadonlySet<number>;
  /**
   * Outputs fed by a slot node whose sink writes bytes (saveAsTextFiles, toKafka): the slot
   * encodes their values into those bytes, and the main thread only writes them.
   */
  readonly slotOutputs: ReadonlySet<number>;
  readonly children: readonly (readonly number[])[];
  /** True for nodes downstream of a `withWatermark`: their windows run on event time. */
  readonly eventTime: readonly boolean[];
  /** Per node, the window operations upstream of it: in a batch where none fired, it has no batch. */
  readonly upstreamWindows: readonly (readonly number[])[];
  /** Allowed lateness per `withWatermark` node. */
  readonly watermarks: ReadonlyMap<number, number>;
  readonly windows: readonly WindowNode[];
  /** The keyed window aggregations: across instances, they merge through repartition topics. */
  readonly windowAggregates: readonly WindowAggregateNode[];
  /** updateStateByKey and mapWithState operations: their state lives in the slots, per state partition. */
  readonly keyedStates: readonly KeyedStateNode[];
  /** State operations followed by `stateSnapshots()`: their runs return the whole state. */
  readonly snapshotted: ReadonlySet<number>;
  /** The job's inputs: which source node each topic's records enter, and their formats. */
  readonly inputs: Inputs;
  /**
   * Two-stream operations (cogroup, the joins, transformWith) of streams from different inputs:
   * across instances, their keys meet only when partition q of every input goes to one instance.
   */
  readonly joins: readonly (CogroupNode | TransformWithNode)[];
  /** mapAsync and filterAsync operations: a slot runs the batches of such a job asynchronously. */
  readonly asyncNodes: readonly AsyncNode[];

  constructor(graph: Graph) {
    this.graph = graph;
    this.inputs = new Inputs(graph);
    const onMain: boolean[] = [];
    const eventTime: boolean[] = [];
    const upstream: number[][] = [];
    const children: number[][] = graph.nodes.map(() => []);
    const watermarks = new Map<number, number>();
    const sources: ReadonlySet<number>[] = [];
    const joins: (CogroupNode | TransformWithNode)[] = [];
    for (const node of graph.nodes) {
      const parents = parentsOf(node);
      sources[node.id] =
        node.kind === 'source'
          ? new Set([node.id])
          : new Set(parents.flatMap((parent) => [...(sources[parent] ?? [])]));
      if (
        (node.kind === 'cogroup' || node.kind === 'transformWith') &&
        differ(sources[node.parents[0]], sources[node.parents[1]])
      )
        joins.push(node);
      for (const parent of parents) children[parent]?.push(node.id);
      const parentOnMain = parents.some((parent) => onMain[parent] === true);
      // transformWith sees both streams' whole batch: only the main thread has it.
      onMain[node.id] =
        node.kind !== 'lateRecords' &&
        (node.kind === 'output' || node.kind === 'transformWith' || isPartial(node) || parentOnMain);
      eventTime[node.id] =
        node.kind === 'withWatermark' || parents.some((parent) => eventTime[parent] === true);
      // lateRecords has a batch whenever records are late, whether or not its window fired.
      const inherited = [
        ...new Set(
          node.kind === 'lateRecords'
            ? parents.flatMap((parent) => (upstream[parent] ?? []).filter((id) => id !== parent))
            : parents.flatMap((parent) => upstream[parent] ?? []),
        ),
      ];
      upstream[node.id] = isWindow(node) ? [...inherited, node.id] : inherited;
      if (node.kind === 'withWatermark') watermarks.set(node.id, node.allowedLatenessMs);
      checkPlacement(node, parentOnMain, eventTime[node.id] === true, graph);
      if (node.kind === 'intervalJoin') checkIntervalJoin(node, parentOnMain, eventTime);
      if (node.kind === 'tableJoin' && parentOnMain) {
        throw new SluiceError(
          ErrorCode.jobInvalid,
          `${node.outer ? 'leftJoinTable' : 'joinTable'} (node ${node.id}) must come before the first aggregation: the table lives in the slots, by the state partition of its keys`,
        );
      }
    }
    const recordExports = new Set<number>();
    const partialExports = new Set<number>();
    const slotOutputs = new Set<number>();
    for (const node of graph.nodes) {
      if (!onMain[node.id]) continue;
      // A partial merges slots' partials only when all its input is in the slots (a cogroup of a
      // stream and an aggregation's result runs on the main thread over records).
      const partial = isPartial(node) && parentsOf(node).every((parent) => !onMain[parent]);
      for (const parent of parentsOf(node)) {
        if (onMain[parent]) continue;
        if (partial) partialExports.add(node.id);
        else if (node.kind === 'output' && writesBytes(node.sink)) slotOutputs.add(node.id);
        else recordExports.add(parent);
      }
    }
    this.onMain = onMain;
    this.joins = joins;
    this.children = children;
    this.recordExports = recordExports;
    this.partialExports = partialExports;
    this.slotOutputs = slotOutputs;
    this.eventTime = eventTime;
    this.upstreamWindows = upstream;
    this.watermarks = watermarks;
    this.windows = graph.nodes.filter(isWindow);
    this.windowAggregates = this.windows.filter(
      (node): node is WindowAggregateNode => node.kind === 'windowAggregate',
    );
    this.keyedStates = graph.nodes.filter(isKeyedState);
    this.snapshotted = new Set(
      graph.nodes.flatMap((node) => (node.kind === 'stateSnapshots' ? [node.parent] : [])),
    );
    this.asyncNodes = graph.nodes.filter(isAsync);
  }

  /** The asynchronous operations whose failed calls go to the dead-letter topic, as `mapAsync (node 3)`. */
  deadLetteringCalls(): string[] {
    return this.asyncNodes
      .filter((node) => node.options.onError === 'dlq')
      .map((node) => `${node.kind} (node ${node.id})`);
  }

  get nodes(): readonly Node[] {
    return this.graph.nodes;
  }

  /**
   * Processing-time windows run on batch times: their size and slide must be multiples of the
   * batch interval. One line per window operation that breaks the rule.
   */
  intervalProblems(intervalMs: number): string[] {
    return this.windows
      .filter((node) => !this.eventTime[node.id])
      .flatMap((node) => {
        if (isSessionSpec(node.spec)) return [];
        const operator = node.kind === 'window' ? 'window' : node.operator;
        const problem = batchIntervalProblem(node.spec, intervalMs);
        return problem ? [`${operator} (node ${node.id}): ${problem}`] : [];
      });
  }
}

function writesBytes(sink: SinkSpec): boolean {
  return sink.type === 'saveAsTextFiles' || sink.type === 'kafka';
}

/** An interval join keeps each value by its event time, in the slots: both inputs come from them on event time. */
function checkIntervalJoin(
  node: IntervalJoinNode,
  parentOnMain: boolean,
  eventTime: readonly boolean[],
): void {
  const operator = `${node.outer ? 'leftOuterJoin' : 'join'} within [${node.lowerMs}, ${node.upperMs}] (node ${node.id})`;
  if (parentOnMain) {
    throw new SluiceError(
      ErrorCode.jobInvalid,
      `${operator} must come before the first aggregation: its values wait in the slots by their event time`,
    );
  }
  if (!node.parents.every((parent) => eventTime[parent] === true)) {
    throw new SluiceError(
      ErrorCode.jobInvalid,
      `${operator} joins on event time: call withWatermark(allowedLatenessMs, timestamp) on both streams before the join`,
    );
  }
}

function checkPlacement(node: Node, parentOnMain: boolean, eventTime: boolean, graph: Graph): void {
  if (isAsync(node) && parentOnMain) {
    throw new SluiceError(
      ErrorCode.jobInvalid,
      `${node.kind} (node ${node.id}) must come before the first aggregation: its calls run in the partition's worker slot; after an aggregation, do asynchronous work in foreachBatch`,
    );
  }
  const stateful = node.kind === 'withWatermark' || isWindow(node);
  if (stateful && parentOnMain) {
    const name = node.kind === 'windowAggregate' ? node.operator : node.kind;
    throw new SluiceError(
      ErrorCode.jobInvalid,
      `${name} (node ${node.id}) must come before the first aggregation: its state lives in the partition's worker slot`,
    );
  }
  if (node.kind === 'windowAggregate' && eventTime && node.operator !== 'windowAggregate') {
    throw new SluiceError(
      ErrorCode.jobInvalid,
      `${node.operator} (node ${node.id}) runs on batch time; after withWatermark use windowAggregate, whose results name their window`,
    );
  }
  if (node.kind === 'windowAggregate' && isSessionSpec(node.spec) && !eventTime) {
    throw new SluiceError(
      ErrorCode.jobInvalid,
      `${node.operator} (node ${node.id}): session windows run on event time only; call withWatermark(allowedLatenessMs, timestamp) before windowAggregate(Windows.session(${node.spec.gapMs}), …)`,
    );
  }
  if (node.kind === 'stateSnapshots' && graph.node(node.parent).kind !== 'mapWithState') {
    throw new SluiceError(
      ErrorCode.jobInvalid,
      `stateSnapshots (node ${node.id}) must follow mapWithState: it streams that operation's state`,
    );
  }
  if (node.kind === 'lateRecords') {
    const parent = graph.node(node.parent);
    if (!isWindow(parent) || !eventTime) {
      throw new SluiceError(
        ErrorCode.jobInvalid,
        `lateRecords (node ${node.id}) must follow an event-time window operation (withWatermark, then window or windowAggregate)`,
      );
    }
  }
}
