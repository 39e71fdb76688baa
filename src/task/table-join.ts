// A stream–table join over one state partition: the table's latest value per key, and the lookups.

import type { BatchInfo } from '../core/index.ts';
import type { TableJoinNode } from '../dsl/index.ts';
import type { KeyGroups } from './partials.ts';
import type { KeyedStateStore } from './state-store.ts';

/** Which input a value came from. */
export const STREAM = 0;
export const TABLE = 1;

/** What the slot groups per key: the side, and the stream's value or the table's (null: a tombstone). */
export type TableJoinInput = readonly [side: typeof STREAM | typeof TABLE, value: unknown];

/**
 * Applies the batch's table records (in order: a value replaces its key's, null deletes it), then
 * joins each stream value with its key's table value: `[key, [value, tableValue]]`, and with
 * `outer` `[key, [value, null]]` where the table lacks the key. Keys in the batch's group order,
 * a key's values in record order.
 */
export function tableJoin(
  store: KeyedStateStore,
  node: TableJoinNode,
  groups: KeyGroups,
  info: BatchInfo,
): unknown[] {
  for (const [normalized, [key, values]] of groups.entries()) {
    const table = store.table(node.id, key);
    for (const value of values) {
      const [side, inner] = value as TableJoinInput;
      if (side !== TABLE) continue;
      const entry = table.get(normalized);
      if (inner === null) table.delete(normalized);
      else if (entry) entry.state = inner;
      else table.set(normalized, { key, state: inner, at: info.time });
    }
  }
  const out: unknown[] = [];
  for (const [normalized, [key, values]] of groups.entries()) {
    const table = store.table(node.id, key);
    for (const value of values) {
      const [side, inner] = value as TableJoinInput;
      if (side !== STREAM) continue;
      const entry = table.get(normalized);
      if (entry) out.push([key, [inner, entry.state]]);
      else if (node.outer) out.push([key, [inner, null]]);
    }
  }
  return out;
}
