/** Repartition topics' work, read on this thread: which partitions are repartition topics', and their decoded groups and window messages. */
import { partitionName } from '../core/index.ts';
import type { Plan } from '../dsl/index.ts';
import { KeyGroups } from '../task/index.ts';
import type { RepartitionPort } from './ports.ts';
import type { Routing } from './repartition.ts';
import { decodeForward, decodeWindowMessage, type WindowIncoming } from './repartition-records.ts';
import type { PartitionWork } from './source.ts';
import type { WindowExchange } from './window-exchange.ts';

export class RepartitionIngress {
  readonly #plan: Plan;
  readonly #repartition: RepartitionPort | undefined;
  readonly #exchange: WindowExchange | undefined;

  constructor(plan: Plan, repartition?: RepartitionPort, exchange?: WindowExchange) {
    this.#plan = plan;
    this.#repartition = repartition;
    this.#exchange = exchange;
  }

  isRepartition(topic: string): boolean {
    return this.#repartition?.topics.has(topic) === true;
  }

  /** The partitions of input topics among `partitions` (repartition topics left out). */
  inputs<T extends { readonly topic: string }>(partitions: readonly T[]): T[] {
    return partitions.filter(({ topic }) => !this.isRepartition(topic));
  }

  /**
   * The batch's routing (none without repartition topics): the groups read from repartition
   * partitions, per state operation, partitions in work order. Decoded here, not in a slot: each
   * record is one key's values of a batch, already grouped, so this is per-key work like the merge
   * of the slots' groups, and a slot would only re-encode it.
   */
  routing(work: readonly PartitionWork[]): Routing | undefined {
    const topics = this.#repartition?.topics;
    if (!topics) return undefined;
    const incoming = new Map<number, KeyGroups>();
    const windows = new Map<number, WindowIncoming[]>();
    for (const item of work) {
      const node = topics.get(item.range.topic);
      if (node === undefined) continue;
      if (this.#plan.nodes[node]?.kind === 'windowAggregate') {
        const messages = windows.get(node) ?? [];
        for (const [where, value] of valuesOf(item)) {
          messages.push({ partition: item.range.partition, message: decodeWindowMessage(value, where) });
        }
        windows.set(node, messages);
        continue;
      }
      let groups = incoming.get(node);
      if (!groups) {
        groups = new KeyGroups();
        incoming.set(node, groups);
      }
      for (const [where, value] of valuesOf(item)) {
        const [key, values] = decodeForward(value, where);
        groups.addAll(key, values);
      }
    }
    const exchange = this.#exchange;
    return { incoming, outgoing: [], ...(exchange ? { windows: { exchange, incoming: windows } } : {}) };
  }
}

/** The work's non-null values, each with where it was read, for a decode error's message. */
function* valuesOf(item: PartitionWork): Generator<[string, Uint8Array]> {
  const { topic, partition, fromOffset } = item.range;
  for (const [index, value] of item.values().entries()) {
    if (value) yield [`${partitionName(topic, partition)} from offset ${fromOffset} (+${index})`, value];
  }
}
