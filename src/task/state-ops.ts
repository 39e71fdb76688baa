// Running keyed state operations (updateStateByKey, mapWithState, the interval and table joins) over a state partition's groups.

import type { BatchInfo } from '../core/index.ts';
import { decodePlain } from '../core/index.ts';
import type { KeyedStateNode } from '../dsl/index.ts';
import { StateHandle } from '../dsl/index.ts';
import { intervalJoin } from './interval-join.ts';
import { KeyGroups } from './partials.ts';
import type { PartitionResult } from './partition-types.ts';
import type { KeyedStateStore, StateEntry } from './state-store.ts';
import { tableJoin } from './table-join.ts';

/**
 * A state operation's input for a batch. A key's values are applied in this order: `groups`
 * (forwarded from other instances, then values grouped here), then `parts` in order.
 */
export type StateInput = {
  readonly groups: KeyGroups;
  /** Per state partition, the slots' groups of it as msgpack `[key, values][]`, partitions in order. */
  readonly parts: ReadonlyMap<number, readonly Uint8Array[]>;
};

/** A state operation's input from the slots: their groups, partitions in result order. */
export function stateInputFromResults(node: number, results: readonly PartitionResult[]): StateInput {
  const groups = new KeyGroups();
  const parts = new Map<number, Uint8Array[]>();
  for (const result of results) {
    for (const item of result.exports) {
      if (item.node !== node) continue;
      if (item.kind === 'groups') for (const [key, values] of item.groups) groups.addAll(key, values);
      if (item.kind !== 'stateGroups') continue;
      for (const [partition, bytes] of item.parts) {
        const list = parts.get(partition) ?? [];
        list.push(bytes);
        parts.set(partition, list);
      }
    }
  }
  return { groups, parts };
}

/** Adds encoded parts (msgpack `[key, values][]`) to `groups`, in order. */
export function addParts(groups: KeyGroups, parts: readonly Uint8Array[]): KeyGroups {
  for (const part of parts) {
    for (const [key, values] of decodePlain(part) as [unknown, unknown[]][]) groups.addAll(key, values);
  }
  return groups;
}

/** A state operation's input computed on the main thread: pairs grouped per key, in order. */
export function groupsFromPairs(pairs: readonly unknown[]): StateInput {
  const groups = new KeyGroups();
  for (const pair of pairs) {
    const [key, value] = pair as readonly [unknown, unknown];
    groups.add(key, value);
  }
  return { groups, parts: new Map() };
}

/** Every key's state of a node as pairs: state partitions in order, keys in table order. */
export function stateSnapshot(store: KeyedStateStore, node: number): [unknown, unknown][] {
  const out: [unknown, unknown][] = [];
  for (const table of store.tables(node))
    for (const entry of table.values()) out.push([entry.key, entry.state]);
  return out;
}

/** What one state partition's run of a state operation gives back. */
export type StatePartitionRun = {
  readonly values: unknown[];
  /** Keys with state in the partition's store after the run, over every operation. */
  readonly size: number;
  /** With `snapshot`: the operation's state after the run, as pairs (for `stateSnapshots()`). */
  readonly snapshot?: [unknown, unknown][];
};

/**
 * Runs one state operation over one state partition's store (`store` holds that partition only)
 * and the batch's groups of its keys, already routed to it; returns what it emits.
 */
export function runStatePartition(
  store: KeyedStateStore,
  node: KeyedStateNode,
  groups: KeyGroups,
  info: BatchInfo,
  snapshot: boolean,
): StatePartitionRun {
  // The main thread routed every key here (`PartitionedKeyedState.run`); no check per key again.
  store.begin([node], info.time);
  return {
    values: runOperation(store, node, groups, info),
    size: store.size,
    ...(snapshot ? { snapshot: stateSnapshot(store, node.id) } : {}),
  };
}

function runOperation(
  store: KeyedStateStore,
  node: KeyedStateNode,
  groups: KeyGroups,
  info: BatchInfo,
): unknown[] {
  switch (node.kind) {
    case 'updateStateByKey':
      return updateStateByKey(store, node, groups, info);
    case 'mapWithState':
      return mapWithState(store, node, groups, info);
    case 'intervalJoin':
      return intervalJoin(store, node, groups, info);
    case 'tableJoin':
      return tableJoin(store, node, groups, info);
  }
}

/**
 * Spark's updateStateByKey: `fn(values, state)` for every key with state (values may be empty)
 * and every key with values; undefined removes the key. Emits the whole state after the batch.
 */
function updateStateByKey(
  store: KeyedStateStore,
  node: Extract<KeyedStateNode, { kind: 'updateStateByKey' }>,
  groups: KeyGroups,
  info: BatchInfo,
): unknown[] {
  const fn = node.fn;
  const called = new Set<unknown>();
  for (const table of store.tables(node.id)) {
    // Deleting the entry being visited is safe in a Map iteration.
    for (const [normalized, entry] of table) {
      called.add(normalized);
      const next = fn(groups.get(normalized)?.[1] ?? [], entry.state);
      if (next === undefined) table.delete(normalized);
      else entry.state = next;
    }
  }
  for (const [normalized, [key, values]] of groups.entries()) {
    if (called.has(normalized)) continue;
    const table = store.table(node.id, key);
    const state = fn(values, undefined);
    if (state !== undefined) table.set(normalized, { key, state, at: info.time });
  }
  return stateSnapshot(store, node.id);
}

/**
 * Spark's mapWithState: `fn(key, value, state)` once per value, in order; then keys idle for
 * longer than the timeout (no value since an earlier batch time) get `fn(key, undefined, state)`
 * with `isTimingOut()` and are removed. Emits what the calls return, except undefined.
 */
function mapWithState(
  store: KeyedStateStore,
  node: Extract<KeyedStateNode, { kind: 'mapWithState' }>,
  groups: KeyGroups,
  info: BatchInfo,
): unknown[] {
  const fn = node.fn;
  const handle = new StateHandle();
  const out: unknown[] = [];
  const timed = node.timeoutMs !== undefined;
  for (const [normalized, [key, values]] of groups.entries()) {
    const table = store.table(node.id, key);
    for (const value of values) {
      const entry = table.get(normalized);
      handle.wrap(entry?.state, entry !== undefined);
      const mapped = fn(key, value, handle);
      if (mapped !== undefined) out.push(mapped);
      if (handle.removed) table.delete(normalized);
      else if (handle.updated && entry) entry.state = handle.getOption();
      else if (handle.updated) table.set(normalized, { key, state: handle.getOption(), at: info.time });
    }
    const entry = table.get(normalized);
    if (entry && timed) touch(table, normalized, entry, info.time);
  }
  if (node.timeoutMs !== undefined) {
    const threshold = info.time - node.timeoutMs;
    for (const table of store.tables(node.id)) {
      for (const [normalized, entry] of table) {
        // Tables of timed operations are in update order (`touch`) and batch times only grow:
        // the idle keys come first.
        if (entry.at >= threshold) break;
        handle.wrap(entry.state, true, true);
        const mapped = fn(entry.key, undefined, handle);
        if (mapped !== undefined) out.push(mapped);
        table.delete(normalized);
      }
    }
  }
  return out;
}

/** Marks a key updated at `time` and moves it to the end of its table. */
function touch(table: Map<unknown, StateEntry>, normalized: unknown, entry: StateEntry, time: number): void {
  entry.at = time;
  table.delete(normalized);
  table.set(normalized, entry);
}
