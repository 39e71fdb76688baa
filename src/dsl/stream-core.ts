// The base of every stream: its job graph and node, and how an operator adds the next node.
import { ErrorCode, SluiceError } from '../errors/index.ts';
import type { DStream } from './dstream.ts';
import type { Graph } from './graph.ts';
import { synchronous } from './synchronous.ts';

/** How messages name an operator: `map (node 3)`. */
export const label = (operator: string, id: number): string => `${operator} (node ${id})`;

/** A one-argument user function, checked to return no Promise. */
export function unary<A, R>(operator: string, id: number, fn: (value: A) => R): (value: unknown) => R {
  return synchronous(label(operator, id), fn);
}

/** A stream's node in its job's graph; operators add nodes after it (dstream.ts, pair-operations.ts). */
export abstract class StreamCore<T> {
  protected readonly graph: Graph;
  readonly id: number;

  constructor(graph: Graph, id: number) {
    this.graph = graph;
    this.id = id;
  }

  /** The stream of node `id` of this job. */
  protected abstract derive<U>(id: number): DStream<U>;

  protected next<U>(node: Parameters<Graph['add']>[0]): DStream<U> {
    return this.derive<U>(this.graph.add(node).id);
  }

  protected sameJob(other: StreamCore<unknown>, operator: string): void {
    if (!(other instanceof StreamCore) || other.graph !== this.graph) {
      throw new SluiceError(
        ErrorCode.jobInvalid,
        `${operator}: the other stream must come from the same job's ctx`,
      );
    }
  }
}
