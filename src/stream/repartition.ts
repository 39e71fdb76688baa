import { Decoder, Encoder } from '@msgpack/msgpack';
import { ErrorCode, SluiceError } from '../errors/index.ts';
import type { KeyedStateNode } from './graph.ts';
import { KeyGroups } from './partials.ts';
import type { KeyedStateStore } from './state-store.ts';

/** A key's values for a state partition owned elsewhere: one repartition record. */
export type Forward = {
  readonly node: number;
  /** The key's state partition: the repartition topic's partition it goes to. */
  readonly partition: number;
  readonly key: unknown;
  readonly values: readonly unknown[];
};

/**
 * A batch's traffic through the repartition topics: per state operation, the groups read from
 * its topic (applied before the batch's own), and the groups this batch sends to other owners.
 */
export type Routing = {
  readonly incoming: ReadonlyMap<number, KeyGroups>;
  readonly outgoing: Forward[];
};

/**
 * The repartition topic of a state operation: `<group>-<kind>-<node id>-repartition`, e.g.
 * `totals-updateStateByKey-3-repartition`. Node ids are the job graph's (stable for one job).
 */
export function repartitionTopic(group: string, node: Pick<KeyedStateNode, 'kind' | 'id'>): string {
  return `${group}-${node.kind}-${node.id}-repartition`;
}

// Same plain-data rule as the state and the slots' results (bigint as int64).
const encoder = new Encoder({ useBigInt64: true, ignoreUndefined: false });
const decoder = new Decoder({ useBigInt64: true });

/** A repartition record's body: msgpack `[key, values]`. */
export function encodeForward(key: unknown, values: readonly unknown[]): Uint8Array {
  return encoder.encode([key, values]);
}

export function decodeForward(bytes: Uint8Array, where: string): [unknown, unknown[]] {
  let decoded: unknown;
  try {
    decoded = decoder.decode(bytes);
  } catch (error) {
    throw new SluiceError(
      ErrorCode.repartition,
      `${where}: a repartition record is not msgpack [key, values]: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  if (!Array.isArray(decoded) || decoded.length !== 2 || !Array.isArray(decoded[1])) {
    throw new SluiceError(ErrorCode.repartition, `${where}: a repartition record is not [key, values]`);
  }
  return [decoded[0], decoded[1] as unknown[]];
}

/**
 * Splits an operation's groups by where their state lives: the forwarded groups first (their
 * values are from earlier batches), then the batch's; keys of state partitions held here are
 * returned, the others go to `routing.outgoing`, one forward per key with all its values.
 */
export function route(
  store: KeyedStateStore,
  node: KeyedStateNode,
  groups: KeyGroups,
  routing: Routing,
): KeyGroups {
  const all = new KeyGroups();
  for (const [key, values] of routing.incoming.get(node.id)?.groups() ?? []) all.addAll(key, values);
  for (const [key, values] of groups.groups()) all.addAll(key, values);
  const local = new KeyGroups();
  for (const [key, values] of all.groups()) {
    const partition = store.partitionOf(key);
    if (store.holds(partition)) local.addAll(key, values);
    else routing.outgoing.push({ node: node.id, partition, key, values });
  }
  return local;
}
