// Routing a batch's keyed groups and window messages to the owner of their state partition.

import type { KeyedStateNode } from '../dsl/index.ts';
import type { StatePartitions } from '../task/index.ts';
import { addParts, KeyGroups, type StateInput } from '../task/index.ts';
import type { Forward, WindowIncoming } from './repartition-records.ts';
import type { WindowExchange } from './window-exchange.ts';

/**
 * A batch's traffic through the repartition topics: per state operation, the groups read from
 * its topic (applied before the batch's own), and the groups this batch sends to other owners.
 */
export type Routing = {
  readonly incoming: ReadonlyMap<number, KeyGroups>;
  readonly outgoing: Forward[];
  /** Window operations across instances (absent: windows merge within this instance). */
  readonly windows?: {
    readonly exchange: WindowExchange;
    /** Per window operation, the messages read from its topic. */
    readonly incoming: ReadonlyMap<number, readonly WindowIncoming[]>;
  };
};

/**
 * Splits an operation's input by where its state lives: the forwarded groups first (their values
 * are from earlier batches), then the batch's; keys of state partitions held here stay, the others
 * go to `routing.outgoing`, one forward per key with all its values.
 */
export function route(
  partitions: StatePartitions,
  node: KeyedStateNode,
  input: StateInput,
  routing: Routing,
): StateInput {
  const all = new KeyGroups();
  for (const [key, values] of routing.incoming.get(node.id)?.groups() ?? []) all.addAll(key, values);
  for (const [key, values] of input.groups.groups()) all.addAll(key, values);
  const parts = new Map<number, readonly Uint8Array[]>();
  for (const [partition, list] of input.parts) {
    if (partitions.holds(partition)) parts.set(partition, list);
    else addParts(all, list);
  }
  const local = new KeyGroups();
  for (const [key, values] of all.groups()) {
    const partition = partitions.partitionOf(key);
    if (partitions.holds(partition)) local.addAll(key, values);
    else routing.outgoing.push({ node: node.id, partition, key, values });
  }
  return { groups: local, parts };
}
