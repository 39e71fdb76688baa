// The plan: which nodes run in the slots, which merge on the main thread, where windows and state live.

import { ErrorCode, SluiceError } from '../errors/index.ts';
import { batchIntervalProblem, isSessionSpec } from '../window/index.ts';
import {
  type Graph,
  isAggregate,
  isKeyedState,
  isWindow,
  type KeyedStateNode,
  type Node,
  parentsOf,
  type SinkSpec,
  type WindowAggregateNode,
  type WindowNode,
} from './graph.ts';

/**
 * Nodes that keep partials per partition and send them to the main thread to merge. Keyed state
 * operations get their input pre-grouped per key (in record order) by the partition's slot.
 */
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

  constructor(graph: Graph) {
    this.graph = graph;
    const onMain: boolean[] = [];
    const eventTime: boolean[] = [];
    const upstream: number[][] = [];
    const children: number[][] = graph.nodes.map(() => []);
    const watermarks = new Map<number, number>();
    for (const node of graph.nodes) {
      const parents = parentsOf(node);
      for (const parent of parents) children[parent]?.push(node.id);
      const parentOnMain = parents.some((parent) => onMain[parent] === true);
      onMain[node.id] =
        node.kind !== 'lateRecords' && (node.kind === 'output' || isPartial(node) || parentOnMain);
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
    }
    const recordExports = new Set<number>();
    const partialExports = new Set<number>();
    const slotOutputs = new Set<number>();
    for (const node of graph.nodes) {
      if (!onMain[node.id]) continue;
      for (const parent of parentsOf(node)) {
        if (onMain[parent]) continue;
        if (isPartial(node)) partialExports.add(node.id);
        else if (node.kind === 'output' && writesBytes(node.sink)) slotOutputs.add(node.id);
        else recordExports.add(parent);
      }
    }
    this.onMain = onMain;
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

function checkPlacement(node: Node, parentOnMain: boolean, eventTime: boolean, graph: Graph): void {
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
