// A table: a topic read as the latest value per key, for stream–table joins.
import type { Graph } from './graph.ts';

/**
 * `ctx.table(topic)`: the topic's records as a table — per record key, the latest value; a
 * record with a null value (a tombstone) deletes its key. A table is only joined: with
 * `stream.joinTable(table)` or `stream.leftJoinTable(table)` (docs/joins.md).
 */
export class Table<V> {
  readonly #graph: Graph;
  /** The table's source node. */
  readonly id: number;
  /** Only for the type: values of the table. */
  declare readonly __value?: V;

  constructor(graph: Graph, id: number) {
    this.#graph = graph;
    this.id = id;
  }

  /** Whether the table was declared in the job of `graph`. */
  belongsTo(graph: Graph): boolean {
    return this.#graph === graph;
  }
}
