// Session windows on the main thread: every source partition's open sessions of a key, merged into the key's sessions.

import { keyIdentity, parsePartitionId, partitionId } from '../core/index.ts';
import {
  coalesceSessions,
  type EmitMode,
  type PaneOps,
  type SessionPart,
  type SessionResult,
} from '../window/index.ts';

type KeyEntry = {
  readonly key: unknown;
  /** The key's state partition: its sessions are checkpointed and closed with it. */
  readonly partition: number;
  /** Per source partition (`partitionId`), its sessions of the key, oldest first. */
  readonly parts: Map<string, SessionPart[]>;
  /** Update mode: the sessions emitted and still open, start → end. */
  readonly emitted: Map<number, number>;
};

/** A state partition's sessions in a checkpoint: per key, what was emitted and each source's sessions. */
export type SessionMergeSnapshot = [
  key: unknown,
  emitted: [start: number, end: number][],
  parts: [topic: string, partition: number, sessions: [start: number, last: number, partial: unknown][]][],
][];

/** How a window operation's sessions are merged and emitted. */
export type SessionRules = {
  readonly gapMs: number;
  readonly ops: PaneOps;
  readonly emit: EmitMode;
};

/**
 * A session window operation's sessions, on the main thread (one instance) or at the owner of
 * each key's state partition (across instances). Each source partition sends, after every batch
 * that touched a key, all its open sessions of the key: they replace what it sent before, so a
 * replayed message changes nothing. The key's sessions are those of all sources merged; one is
 * complete once every source partition has fired through its end (no record that is not late can
 * reach it then). Final mode emits it then; update mode emits each session a batch changed, after
 * retractions of the emitted sessions it replaced.
 */
export class SessionMerge {
  readonly #keys = new Map<unknown, KeyEntry>();
  #touched = new Set<KeyEntry>();

  /**
   * A source partition's open sessions of `key` after a batch that ran with watermark `through`.
   * Its sessions that had closed by then (ending at or before `through`) stay until the key's
   * merged session closes; sessions ending at or before `done` were emitted already: a replay.
   */
  apply(
    q: number,
    source: string,
    through: number,
    key: unknown,
    sessions: readonly SessionPart[],
    done: number,
    gapMs: number,
  ): void {
    const normalized = keyIdentity(key);
    let entry = this.#keys.get(normalized);
    if (!entry) {
      entry = { key, partition: q, parts: new Map(), emitted: new Map() };
      this.#keys.set(normalized, entry);
    }
    const before = entry.parts.get(source) ?? [];
    const closed = before.filter(([, last]) => last + gapMs <= through);
    // Two messages of one source in a batch: a session the first changed is still changed.
    const changed = before.filter((part) => part[3]);
    const open = sessions.filter(([, last]) => last + gapMs > done);
    const parts = [...closed, ...open].map(
      ([start, last, partial, flag]): SessionPart => [
        start,
        last,
        partial,
        flag || changed.some(([from]) => from >= start && from <= last),
      ],
    );
    if (parts.length > 0) entry.parts.set(source, parts);
    else entry.parts.delete(source);
    this.#touched.add(entry);
  }

  /**
   * The batch's rows: in update mode, each session of a touched key that changed, after a
   * retraction of every emitted session it replaced; then the sessions complete through
   * `complete(q)` close, emitted in final mode.
   */
  take(rules: SessionRules, complete: (q: number) => number): SessionResult[] {
    const { gapMs, ops, emit } = rules;
    const rows: SessionResult[] = [];
    const merge = ops.mergePartials;
    for (const entry of this.#touched) {
      if (emit === 'update') {
        const sessions = coalesceSessions(allParts(entry), gapMs, merge);
        const bounds = new Map(sessions.map(([start, last]) => [start, last + gapMs]));
        for (const [start, end] of entry.emitted) {
          if (bounds.get(start) === end) continue;
          rows.push({ key: entry.key, windowStart: start, windowEnd: end, value: null, retracted: true });
          entry.emitted.delete(start);
        }
        for (const [start, last, partial, changed] of sessions) {
          if (!changed) continue;
          rows.push({
            key: entry.key,
            windowStart: start,
            windowEnd: last + gapMs,
            value: ops.result(partial),
          });
          entry.emitted.set(start, last + gapMs);
        }
      }
      for (const parts of entry.parts.values()) for (const part of parts) part[3] = false;
    }
    this.#touched = new Set();
    const closed: SessionResult[] = [];
    for (const [normalized, entry] of this.#keys) {
      const through = complete(entry.partition);
      if (entry.parts.size > 0 && earliestEnd(entry, gapMs) > through) continue;
      for (const [start, last, partial] of coalesceSessions(allParts(entry), gapMs, merge)) {
        const end = last + gapMs;
        if (end > through) continue;
        if (emit === 'final')
          closed.push({ key: entry.key, windowStart: start, windowEnd: end, value: ops.result(partial) });
        entry.emitted.delete(start);
        for (const [source, parts] of entry.parts) {
          const left = parts.filter(([from]) => from < start || from > last);
          if (left.length > 0) entry.parts.set(source, left);
          else entry.parts.delete(source);
        }
      }
      if (entry.parts.size === 0) this.#keys.delete(normalized);
    }
    closed.sort((a, b) => a.windowEnd - b.windowEnd || a.windowStart - b.windowStart);
    return [...rows, ...closed];
  }

  /** State partition `q`'s sessions, for its checkpoint. */
  snapshot(q: number): SessionMergeSnapshot {
    const out: SessionMergeSnapshot = [];
    for (const entry of this.#keys.values()) {
      if (entry.partition !== q) continue;
      const parts = [...entry.parts].map(([source, sessions]): SessionMergeSnapshot[number][2][number] => {
        const { topic, partition } = parsePartitionId(source);
        return [topic, partition, sessions.map(([start, last, partial]) => [start, last, partial])];
      });
      out.push([entry.key, [...entry.emitted], parts]);
    }
    return out;
  }

  /** Replaces state partition `q`'s sessions with a checkpoint's. */
  restore(q: number, snapshot: SessionMergeSnapshot): void {
    this.forget(q);
    for (const [key, emitted, parts] of snapshot) {
      const sources = parts.map(([topic, partition, sessions]): [string, SessionPart[]] => [
        partitionId(topic, partition),
        sessions.map(([start, last, partial]) => [start, last, partial, false]),
      ]);
      this.#keys.set(keyIdentity(key), {
        key,
        partition: q,
        parts: new Map(sources),
        emitted: new Map(emitted),
      });
    }
  }

  /** Drops state partition `q` (it left this instance). */
  forget(q: number): void {
    for (const [normalized, entry] of this.#keys) {
      if (entry.partition !== q) continue;
      this.#keys.delete(normalized);
      this.#touched.delete(entry);
    }
  }

  /** Drops what source partition `source` sent (it left this instance, which merges all keys). */
  forgetSource(source: string): void {
    for (const [normalized, entry] of this.#keys) {
      entry.parts.delete(source);
      if (entry.parts.size === 0) this.#keys.delete(normalized);
    }
  }

  /** Keys with open sessions, for tests and metrics. */
  get size(): number {
    return this.#keys.size;
  }
}

function allParts(entry: KeyEntry): SessionPart[] {
  const all: SessionPart[] = [];
  for (const parts of entry.parts.values()) for (const part of parts) all.push(part);
  return all;
}

function earliestEnd(entry: KeyEntry, gapMs: number): number {
  let earliest = Number.POSITIVE_INFINITY;
  for (const parts of entry.parts.values())
    for (const [, last] of parts) earliest = Math.min(earliest, last + gapMs);
  return earliest;
}
