// A keyed state operation's slot side (updateStateByKey, mapWithState): its pairs grouped per key.
import { encodePlain } from '../../core/index.ts';
import type { KeyedStateNode } from '../../dsl/index.ts';
import { KeyGroups } from '../partials.ts';
import { statePartitionOf } from '../state-store.ts';
import type { PartialStage } from './types.ts';

/**
 * Pairs grouped per key in record order; the state itself runs in the state partition's slot
 * (`state-ops.ts`). With `statePartitions`, the groups go out split by state partition, encoded.
 */
export function keyedStatePartial(node: KeyedStateNode, statePartitions: number | undefined): PartialStage {
  const groups = new KeyGroups();
  return {
    push: (value) => {
      const [key, inner] = value as [unknown, unknown];
      groups.add(key, inner);
    },
    partial: () =>
      statePartitions === undefined
        ? { node: node.id, kind: 'groups', groups: groups.groups() }
        : { node: node.id, kind: 'stateGroups', parts: encodeByStatePartition(groups, statePartitions) },
  };
}

/** Groups split by the state partition of their key, each part msgpack, partitions in order. */
function encodeByStatePartition(groups: KeyGroups, partitions: number): [number, Uint8Array][] {
  const split = new Map<number, [unknown, unknown[]][]>();
  for (const group of groups.groups()) {
    const partition = statePartitionOf(group[0], partitions);
    const list = split.get(partition) ?? [];
    list.push(group);
    split.set(partition, list);
  }
  return [...split]
    .sort(([a], [b]) => a - b)
    .map(([partition, list]): [number, Uint8Array] => [partition, encodePlain(list)]);
}
