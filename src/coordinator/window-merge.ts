// Merges the slots' window partials per (window, key) across partitions and fires complete windows.

import type { BatchInfo } from '../core/index.ts';
import { keyIdentity, partitionId } from '../core/index.ts';
import type { WindowAggregateNode } from '../dsl/index.ts';
import type { PartitionResult } from '../task/index.ts';
import {
  isSessionSpec,
  type PaneOps,
  paneOps,
  type SessionWindowSpec,
  type WindowResult,
} from '../window/index.ts';
import { SessionMerge } from './session-merge.ts';

/** The value of `key`, made by `create` and stored when absent. */
export function entryOf<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = create();
    map.set(key, value);
  }
  return value;
}

/** One (window, key) merged over its partitions. */
export type Merged = {
  readonly start: number;
  readonly end: number;
  readonly key: unknown;
  partial: unknown;
};
type UpdateEntry = { readonly key: unknown; readonly parts: Map<string, unknown> };

/**
 * The main thread's half of window aggregations: partition partials merged per (window, key).
 * Final windows are complete when they arrive; update-mode windows keep each partition's latest
 * partial here until the window closes, since a batch brings only the partitions that changed it.
 */
export class WindowMerger {
  readonly #ops = new Map<number, PaneOps>();
  readonly #updates = new Map<number, Map<number, Map<unknown, UpdateEntry>>>();
  // Not checkpointed: this merger runs without brokers only (with them, the exchange merges), and
  // checkpoints need brokers.
  readonly #sessions = new Map<number, SessionMerge>();

  merge(
    node: WindowAggregateNode,
    results: readonly PartitionResult[],
    info: BatchInfo,
    eventTime: boolean,
  ): unknown[] {
    const ops = this.#opsOf(node);
    if (isSessionSpec(node.spec)) return this.#mergeSessions(node, node.spec, ops, results, info);
    const merged =
      node.emit === 'update' ? this.#mergeUpdates(node, ops, results) : mergeFinal(node, ops, results);
    if (node.emit === 'update') this.#close(node.id, eventTime ? (info.watermark ?? -Infinity) : info.time);
    return shape(node, ops, merged);
  }

  /** Every key is this instance's: one state partition, complete through the watermark. */
  #mergeSessions(
    node: WindowAggregateNode,
    spec: SessionWindowSpec,
    ops: PaneOps,
    results: readonly PartitionResult[],
    info: BatchInfo,
  ): unknown[] {
    const sessions = entryOf(this.#sessions, node.id, () => new SessionMerge());
    for (const result of results) {
      const source = partitionId(result.topic, result.partition);
      for (const item of result.exports) {
        if (item.node !== node.id || item.kind !== 'sessions') continue;
        for (const [key, parts] of item.keys)
          sessions.apply(0, source, item.through, key, parts, Number.NEGATIVE_INFINITY, spec.gapMs);
      }
    }
    const watermark = info.watermark ?? Number.NEGATIVE_INFINITY;
    return sessions.take({ gapMs: spec.gapMs, ops, emit: node.emit }, () => watermark);
  }

  #opsOf(node: WindowAggregateNode): PaneOps {
    return entryOf(this.#ops, node.id, () => paneOps(node.aggregation));
  }

  #mergeUpdates(node: WindowAggregateNode, ops: PaneOps, results: readonly PartitionResult[]): Merged[] {
    const windows = entryOf(this.#updates, node.id, () => new Map<number, Map<unknown, UpdateEntry>>());
    const touched = new Map<number, Set<unknown>>();
    const starts = new Map<number, number>();
    for (const result of results) {
      const partition = partitionId(result.topic, result.partition);
      for (const item of result.exports) {
        if (item.node !== node.id || item.kind !== 'windows') continue;
        for (const window of item.windows) {
          starts.set(window.end, window.start);
          const keys = entryOf(windows, window.end, () => new Map<unknown, UpdateEntry>());
          const changed = entryOf(touched, window.end, () => new Set<unknown>());
          for (const [key, partial] of window.pairs) {
            const normalized = keyIdentity(key);
            entryOf(keys, normalized, () => ({ key, parts: new Map() })).parts.set(partition, partial);
            changed.add(normalized);
          }
        }
      }
    }
    const out: Merged[] = [];
    for (const end of [...touched.keys()].sort((a, b) => a - b)) {
      const keys = windows.get(end);
      for (const normalized of touched.get(end) ?? []) {
        const entry = keys?.get(normalized);
        if (!entry) continue;
        const partial = mergeParts(ops, entry.parts.values());
        out.push({ start: starts.get(end) as number, end, key: entry.key, partial });
      }
    }
    return out;
  }

  /** Update-mode windows that ended at or before `time` can change no more. */
  #close(node: number, time: number): void {
    const windows = this.#updates.get(node);
    if (!windows) return;
    for (const end of windows.keys()) if (end <= time) windows.delete(end);
  }

  /** A partition's latest update-mode partials: `[node, windowEnd, key, partial]`. */
  snapshot(partition: string): [number, number, unknown, unknown][] {
    const out: [number, number, unknown, unknown][] = [];
    for (const [node, windows] of this.#updates) {
      for (const [end, keys] of windows) {
        for (const entry of keys.values()) {
          if (entry.parts.has(partition)) out.push([node, end, entry.key, entry.parts.get(partition)]);
        }
      }
    }
    return out;
  }

  restore(partition: string, entries: readonly (readonly [number, number, unknown, unknown])[]): void {
    for (const [node, end, key, partial] of entries) {
      const windows = entryOf(this.#updates, node, () => new Map<number, Map<unknown, UpdateEntry>>());
      const keys = entryOf(windows, end, () => new Map<unknown, UpdateEntry>());
      entryOf(keys, keyIdentity(key), () => ({ key, parts: new Map() })).parts.set(partition, partial);
    }
  }

  /** Drops what a partition that left this instance contributed. */
  forget(partition: string): void {
    for (const sessions of this.#sessions.values()) sessions.forgetSource(partition);
    for (const windows of this.#updates.values()) {
      for (const keys of windows.values()) for (const entry of keys.values()) entry.parts.delete(partition);
    }
  }

  /** Open update-mode (window, key) entries held, for tests and metrics. */
  openEntries(): number {
    let count = 0;
    for (const windows of this.#updates.values()) for (const keys of windows.values()) count += keys.size;
    for (const sessions of this.#sessions.values()) count += sessions.size;
    return count;
  }
}

/** One partial from the partitions' partials of a (window, key), in order. */
export function mergeParts(ops: PaneOps, parts: Iterable<unknown>): unknown {
  let partial: unknown;
  let first = true;
  for (const part of parts) {
    partial = first ? part : ops.mergePartials(partial, part);
    first = false;
  }
  return partial;
}

function mergeFinal(node: WindowAggregateNode, ops: PaneOps, results: readonly PartitionResult[]): Merged[] {
  const byEnd = new Map<number, Map<unknown, Merged>>();
  for (const result of results) {
    for (const item of result.exports) {
      if (item.node !== node.id || item.kind !== 'windows') continue;
      for (const window of item.windows) {
        const keys = entryOf(byEnd, window.end, () => new Map<unknown, Merged>());
        for (const [key, partial] of window.pairs) {
          const normalized = keyIdentity(key);
          const entry = keys.get(normalized);
          if (entry) entry.partial = ops.mergePartials(entry.partial, partial);
          else keys.set(normalized, { start: window.start, end: window.end, key, partial });
        }
      }
    }
  }
  return [...byEnd.keys()].sort((a, b) => a - b).flatMap((end) => [...(byEnd.get(end)?.values() ?? [])]);
}

/** Window results in the node's output shape; `emptyCount`: an empty countByWindow window is 0. */
export function shape(
  node: WindowAggregateNode,
  ops: PaneOps,
  merged: readonly Merged[],
  emptyCount = true,
): unknown[] {
  switch (node.output) {
    case 'results':
      return merged.map(
        (entry): WindowResult => ({
          key: entry.key,
          windowStart: entry.start,
          windowEnd: entry.end,
          value: ops.result(entry.partial),
        }),
      );
    case 'pairs': {
      const pairs = merged.map((entry) => [entry.key, ops.result(entry.partial)] as [unknown, unknown]);
      const filter = node.filter;
      return filter ? pairs.filter((pair) => filter(pair)) : pairs;
    }
    case 'value': {
      const values = merged.map((entry) => ops.result(entry.partial));
      // Spark's countByWindow counts an empty window as 0.
      return emptyCount && values.length === 0 && node.aggregation.kind === 'count' ? [0] : values;
    }
  }
}
