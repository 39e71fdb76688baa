// Session windows: the merge rule, and one partition's open sessions per key in its worker slot.

import { keyIdentity } from '../core/index.ts';
import type { PaneOps } from './aggregation.ts';
import { PaneTable } from './pane-table.ts';

/**
 * One session of one key as it crosses threads and checkpoints: its first and last event time,
 * its partial, and whether the batch that sends it changed it.
 */
export type SessionPart = [start: number, last: number, partial: unknown, changed: boolean];

/** A key and every open session one partition holds for it, oldest first. */
export type SessionKeyUpdate = [key: unknown, sessions: SessionPart[]];

/** A partition's sessions of one window operation, as plain data for a checkpoint. */
export type SessionsSnapshot = {
  readonly frontier: number;
  readonly keys: [key: unknown, sessions: [start: number, last: number, partial: unknown][]][];
};

type Session = { start: number; last: number; partial: unknown; changed: boolean };
type KeySessions = { readonly key: unknown; readonly sessions: Session[] };

/**
 * Whether a record at `time` joins a session `[start, last + gap)`: its own interval
 * `[time, time + gap)` overlaps it. Half-open, so records exactly `gap` apart do not share a
 * session, and a session the watermark has reached (`last + gap <= watermark`) can take no record
 * that is not late.
 */
export function sessionTouches(start: number, last: number, time: number, gapMs: number): boolean {
  return time < last + gapMs && start < time + gapMs;
}

/**
 * Merges sessions of one key (from any partitions, in any order) into the sessions they make
 * together: sorted by start, overlapping ones combined with `merge`, `changed` if any part was.
 */
export function coalesceSessions(
  parts: readonly SessionPart[],
  gapMs: number,
  merge: (a: unknown, b: unknown) => unknown,
): SessionPart[] {
  const sorted = [...parts].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const out: SessionPart[] = [];
  for (const [start, last, partial, changed] of sorted) {
    const current = out[out.length - 1];
    if (current && start < current[1] + gapMs) {
      current[1] = Math.max(current[1], last);
      current[2] = merge(current[2], partial);
      current[3] = current[3] || changed;
    } else out.push([start, last, partial, changed]);
  }
  return out;
}

/** The partial of one value alone, as `add` makes it in a fresh slot: sessions then merge partials. */
export class ValuePartial {
  readonly #ops: PaneOps;
  readonly #table: PaneTable;
  readonly #slot: number;

  constructor(ops: PaneOps) {
    this.#ops = ops;
    this.#table = new PaneTable(ops.layout, 1);
    this.#slot = this.#table.slot(0);
  }

  of(value: unknown): unknown {
    this.#table.counts[this.#slot] = 0;
    this.#ops.add(this.#table, this.#slot, value);
    return this.#ops.partial(this.#table, this.#slot);
  }
}

/**
 * A session window aggregation of one partition, in its worker slot: per key, the open sessions
 * (disjoint, sorted by start), each with its partial. A session closes once the watermark reaches
 * its end (last event time + gap): no record that is not late can reach it any more. After each
 * batch, `takeUpdates` gives every open session of each key the batch touched; the main thread
 * merges them with the other partitions' sessions of the key.
 */
export class SessionWindows {
  readonly gapMs: number;
  readonly #ops: PaneOps;
  readonly #value: ValuePartial;
  #keys = new Map<unknown, KeySessions>();
  #touched = new Set<unknown>();
  #frontier = Number.NEGATIVE_INFINITY;
  #sessions = 0;
  /** No session ends before this: `advance` below it has nothing to close. */
  #minEnd = Number.POSITIVE_INFINITY;

  constructor(gapMs: number, ops: PaneOps) {
    this.gapMs = gapMs;
    this.#ops = ops;
    this.#value = new ValuePartial(ops);
  }

  /** Open sessions held. */
  get entries(): number {
    return this.#sessions;
  }

  /** The watermark of the last `advance`: records older than it are late. */
  get frontier(): number {
    return this.#frontier;
  }

  isLate(time: number): boolean {
    return time < this.#frontier;
  }

  /** Adds a record that is not late (check `isLate` first): it opens, extends or bridges sessions. */
  add(key: unknown, value: unknown, time: number): void {
    const partial = this.#value.of(value);
    const normalized = keyIdentity(key);
    let entry = this.#keys.get(normalized);
    if (!entry) {
      entry = { key, sessions: [] };
      this.#keys.set(normalized, entry);
    }
    this.#touched.add(normalized);
    const { sessions } = entry;
    const gap = this.gapMs;
    // The first session that may overlap [time, time + gap): ends after time.
    let at = lowerBound(sessions, (session) => session.last + gap > time);
    const first = sessions[at];
    if (!first || !sessionTouches(first.start, first.last, time, gap)) {
      sessions.splice(at, 0, { start: time, last: time, partial, changed: true });
      this.#sessions++;
      this.#minEnd = Math.min(this.#minEnd, time + gap);
      return;
    }
    first.start = Math.min(first.start, time);
    first.last = Math.max(first.last, time);
    first.partial = this.#ops.mergePartials(first.partial, partial);
    first.changed = true;
    // A record can bridge at most two sessions: a third would lie inside [time, time + gap).
    at++;
    const next = sessions[at];
    if (next && next.start < first.last + gap) {
      first.last = Math.max(first.last, next.last);
      first.partial = this.#ops.mergePartials(first.partial, next.partial);
      sessions.splice(at, 1);
      this.#sessions--;
    }
  }

  /** Closes the sessions whose end the watermark reached. */
  advance(watermark: number): void {
    if (watermark > this.#frontier) this.#frontier = watermark;
    if (watermark < this.#minEnd) return;
    const gap = this.gapMs;
    let minEnd = Number.POSITIVE_INFINITY;
    for (const [normalized, entry] of this.#keys) {
      const { sessions } = entry;
      let kept = 0;
      for (const session of sessions) {
        if (session.last + gap <= watermark) continue;
        sessions[kept++] = session;
        minEnd = Math.min(minEnd, session.last + gap);
      }
      this.#sessions -= sessions.length - kept;
      sessions.length = kept;
      if (kept === 0) this.#keys.delete(normalized);
    }
    this.#minEnd = minEnd;
  }

  /** Every open session of each key the batch touched, changed ones flagged; clears the flags. */
  takeUpdates(): SessionKeyUpdate[] {
    const out: SessionKeyUpdate[] = [];
    for (const normalized of this.#touched) {
      const entry = this.#keys.get(normalized);
      if (!entry) continue;
      out.push([
        entry.key,
        entry.sessions.map((session): SessionPart => {
          const part: SessionPart = [session.start, session.last, session.partial, session.changed];
          session.changed = false;
          return part;
        }),
      ]);
    }
    this.#touched = new Set();
    return out;
  }

  // Between batches `takeUpdates` has cleared every flag and the touched set.
  snapshot(): SessionsSnapshot {
    return {
      frontier: this.#frontier,
      keys: [...this.#keys.values()].map(({ key, sessions }) => [
        key,
        sessions.map((session): [number, number, unknown] => [session.start, session.last, session.partial]),
      ]),
    };
  }

  restore(snapshot: SessionsSnapshot): void {
    this.#frontier = snapshot.frontier;
    this.#keys = new Map();
    this.#touched = new Set();
    this.#sessions = 0;
    this.#minEnd = Number.POSITIVE_INFINITY;
    for (const [key, parts] of snapshot.keys) {
      const sessions = parts.map(([start, last, partial]) => ({ start, last, partial, changed: false }));
      this.#keys.set(keyIdentity(key), { key, sessions });
      this.#sessions += sessions.length;
      for (const session of sessions) this.#minEnd = Math.min(this.#minEnd, session.last + this.gapMs);
    }
  }
}

/** The first index whose element satisfies `after` (false then true along the array), or its length. */
function lowerBound<T>(items: readonly T[], after: (item: T) => boolean): number {
  let low = 0;
  let high = items.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (after(items[middle] as T)) high = middle;
    else low = middle + 1;
  }
  return low;
}
