// An event-time interval join over one state partition: each key's waiting values of both sides.

import type { BatchInfo } from '../core/index.ts';
import type { IntervalJoinNode } from '../dsl/index.ts';
import { ExpiryHeap } from './expiry-heap.ts';
import type { KeyGroups } from './partials.ts';
import type { KeyedStateStore, StateEntry } from './state-store.ts';

/** Which stream a value came from. */
export const LEFT = 0;
export const RIGHT = 1;

/** What the slot groups per key: the side, the value's event time, the value. */
export type JoinInput = readonly [side: typeof LEFT | typeof RIGHT, time: number, value: unknown];

/**
 * A key's state: its waiting left values (with whether one met a right value: an outer join emits
 * those that met none with `null`), then its waiting right values. Plain arrays: they checkpoint
 * as msgpack.
 */
type Waiting = [
  lefts: [time: number, value: unknown, met: 0 | 1][],
  rights: [time: number, value: unknown][],
];

/**
 * Per table of waiting values, its keys by when a value of theirs can go: a left value once the
 * watermark passes `time + upperMs`, a right value once it passes `time - lowerMs`. The eviction
 * pass visits only the keys due, not the whole table. Not checkpointed: a table restored from a
 * checkpoint is a new Map, whose heap is built from its values when first needed.
 */
const expiries = new WeakMap<Map<unknown, StateEntry>, ExpiryHeap<unknown>>();

function expiriesOf(
  table: Map<unknown, StateEntry>,
  { lowerMs, upperMs }: IntervalJoinNode,
): ExpiryHeap<unknown> {
  let heap = expiries.get(table);
  if (!heap) {
    heap = new ExpiryHeap();
    for (const [normalized, entry] of table) {
      const [lefts, rights] = entry.state as Waiting;
      for (const [time] of lefts) heap.push(time + upperMs, normalized);
      for (const [time] of rights) heap.push(time - lowerMs, normalized);
    }
    expiries.set(table, heap);
  }
  return heap;
}

/**
 * Joins the batch's values of each key with the values of the other side waiting in the key's
 * state, in record order, so that each pair meets once: when the later of the two comes. Then the
 * values no future value can meet go, against the batch's watermark (the slots dropped values
 * older than it as late): a left value once `time + upperMs` is behind it, a right value once
 * `time - lowerMs` is. Emits `[key, [left, right]]`, and with `outer` `[key, [left, null]]` for
 * each left value that goes unmet.
 */
export function intervalJoin(
  store: KeyedStateStore,
  node: IntervalJoinNode,
  groups: KeyGroups,
  info: BatchInfo,
): unknown[] {
  const { lowerMs, upperMs } = node;
  const out: unknown[] = [];
  for (const [normalized, [key, values]] of groups.entries()) {
    const table = store.table(node.id, key);
    const due = expiriesOf(table, node);
    const entry = table.get(normalized);
    const waiting = (entry?.state as Waiting | undefined) ?? [[], []];
    const [lefts, rights] = waiting;
    for (const value of values) {
      const [side, time, inner] = value as JoinInput;
      if (side === LEFT) {
        let met: 0 | 1 = 0;
        for (const [at, right] of rights) {
          if (at < time + lowerMs || at > time + upperMs) continue;
          out.push([key, [inner, right]]);
          met = 1;
        }
        lefts.push([time, inner, met]);
        due.push(time + upperMs, normalized);
      } else {
        for (const left of lefts) {
          if (time < left[0] + lowerMs || time > left[0] + upperMs) continue;
          out.push([key, [left[1], inner]]);
          left[2] = 1;
        }
        rights.push([time, inner]);
        due.push(time - lowerMs, normalized);
      }
    }
    if (entry) entry.state = waiting;
    else table.set(normalized, { key, state: waiting, at: info.time });
  }
  const watermark = info.watermark ?? Number.NEGATIVE_INFINITY;
  if (watermark === Number.NEGATIVE_INFINITY) return out;
  for (const table of store.tables(node.id)) {
    // The keys with a value due, earliest first (the outer join's null rows come in that order).
    for (const normalized of expiriesOf(table, node).due(watermark)) {
      const entry = table.get(normalized);
      if (!entry) continue;
      const [lefts, rights] = entry.state as Waiting;
      const keptLefts = lefts.filter((left) => {
        if (left[0] + upperMs >= watermark) return true;
        if (node.outer && left[2] === 0) out.push([entry.key, [left[1], null]]);
        return false;
      });
      const keptRights = rights.filter((right) => right[0] - lowerMs >= watermark);
      if (keptLefts.length === 0 && keptRights.length === 0) table.delete(normalized);
      else entry.state = [keptLefts, keptRights] satisfies Waiting;
    }
  }
  return out;
}
