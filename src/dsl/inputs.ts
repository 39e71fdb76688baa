// A job's inputs and which one a topic's records go to: the first that names it, else the first pattern, else SLUICE_TOPICS'.

import { ErrorCode, SluiceError } from '../errors/index.ts';
import type { Graph, SourceNode } from './graph.ts';
import { type InputFormat, type InputSpec, readsTopic } from './input-spec.ts';

type NamedSource = SourceNode & { readonly input: InputSpec };

/** The source nodes of a job's graph, and the node each topic's records enter. */
export class Inputs {
  /** The `ctx.stream()` input (SLUICE_TOPICS, or the generator), when the job reads it. */
  readonly default: SourceNode | undefined;
  /** The `ctx.stream(topics, options)` inputs, in declaration order. */
  readonly named: readonly NamedSource[];
  readonly #byTopic = new Map<string, SourceNode | undefined>();

  constructor(graph: Graph) {
    const sources = graph.nodes.filter((node): node is SourceNode => node.kind === 'source');
    this.default = sources.find((node) => node.input === undefined);
    this.named = sources.filter((node): node is NamedSource => node.input !== undefined);
    const streams = new Set(
      this.named.flatMap(({ input }) => (input.type === 'topics' && !input.table ? input.topics : [])),
    );
    const both = this.tableTopics().find((topic) => streams.has(topic));
    if (both !== undefined) {
      throw new SluiceError(
        ErrorCode.jobInvalid,
        `topic ${both} is read both as a table (ctx.table) and as a stream (ctx.stream): a topic is one or the other`,
      );
    }
  }

  /** The topics `ctx.table` reads: read from their start when no checkpoint restores them. */
  tableTopics(): string[] {
    return this.named.flatMap(({ input }) => (input.type === 'topics' && input.table ? input.topics : []));
  }

  /** The source node that `topic`'s records enter; undefined when no input reads the topic. */
  sourceFor(topic: string): SourceNode | undefined {
    if (this.#byTopic.has(topic)) return this.#byTopic.get(topic);
    const named =
      this.named.find(({ input }) => input.type === 'topics' && readsTopic(input, topic)) ??
      this.named.find(({ input }) => input.type === 'pattern' && readsTopic(input, topic));
    const source = named ?? this.default;
    this.#byTopic.set(topic, source);
    return source;
  }

  /** How `topic`'s values decode: its input's format, else `fallback` (SLUICE_VALUE_FORMAT). */
  formatFor(topic: string, fallback: InputFormat): InputFormat {
    return this.sourceFor(topic)?.input?.format ?? fallback;
  }
}
