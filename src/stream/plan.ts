import { type Graph, isAggregate, type Node, parentsOf } from './graph.ts';

/**
 * Where each node runs. Everything up to the first aggregation runs in the worker slot of the
 * partition; aggregations (merged partials) and everything after them run on the main thread.
 */
export class Plan {
  readonly graph: Graph;
  /** True for nodes evaluated on the main thread. */
  readonly onMain: readonly boolean[];
  /** Worker-side nodes whose records the main thread needs. */
  readonly recordExports: ReadonlySet<number>;
  /** Aggregations whose partials the workers compute. */
  readonly partialExports: ReadonlySet<number>;
  readonly children: readonly (readonly number[])[];

  constructor(graph: Graph) {
    this.graph = graph;
    const onMain: boolean[] = [];
    const children: number[][] = graph.nodes.map(() => []);
    for (const node of graph.nodes) {
      const parents = parentsOf(node);
      for (const parent of parents) children[parent]?.push(node.id);
      onMain[node.id] =
        node.kind === 'output' || isAggregate(node) || parents.some((parent) => onMain[parent] === true);
    }
    const recordExports = new Set<number>();
    const partialExports = new Set<number>();
    for (const node of graph.nodes) {
      if (!onMain[node.id]) continue;
      for (const parent of parentsOf(node)) {
        if (onMain[parent]) continue;
        if (isAggregate(node)) partialExports.add(node.id);
        else recordExports.add(parent);
      }
    }
    this.onMain = onMain;
    this.children = children;
    this.recordExports = recordExports;
    this.partialExports = partialExports;
  }

  get nodes(): readonly Node[] {
    return this.graph.nodes;
  }
}
