// Window aggregations across instances: partials merged by the owner of each key's state partition.

import type { BatchInfo } from '../core/index.ts';
import { keyIdentity, parsePartitionId, partitionId } from '../core/index.ts';
import type { WindowAggregateNode } from '../dsl/index.ts';
import type { PartitionResult } from '../task/index.ts';
import { type StateLayout, StatePartitions } from '../task/index.ts';
import { isSessionSpec, type PaneOps, paneOps, type SessionWindowSpec } from '../window/index.ts';
import type { Forward, WindowIncoming, WindowMessage } from './repartition-records.ts';
import { SessionMerge, type SessionMergeSnapshot } from './session-merge.ts';
import { entryOf, type Merged, mergeParts, shape } from './window-merge.ts';

/** A (window, key) of one state partition: the latest partial of each source partition. */
type Entry = {
  readonly key: unknown;
  readonly start: number;
  readonly end: number;
  readonly partition: number;
  readonly parts: Map<string, unknown>;
};

type NodeState = {
  /** Per window end, per normalized key; insertion order is arrival order. */
  readonly windows: Map<number, Map<unknown, Entry>>;
  /** Per state partition, per source partition number: the time its windows fired through. */
  readonly progress: Map<number, Map<number, number>>;
  /** Per state partition: windows ending at or before this are emitted (final) or closed (update). */
  readonly done: Map<number, number>;
};

/** A state partition's part of a window operation in a checkpoint. */
export type ExchangeSnapshot = [
  node: number,
  progress: [number, number][],
  done: number,
  entries: [end: number, start: number, key: unknown, parts: [string, number, unknown][]][],
  sessions?: SessionMergeSnapshot,
][];

const RESEND_PROGRESS_MS = 5_000;

/**
 * Window aggregations across instances. A (window, key) is merged by the owner of the key's state
 * partition (murmur2 of the key, as keyed state): partials of keys owned elsewhere leave through
 * the operation's repartition topic. A window is complete once every source partition has fired
 * through its end: each batch tells every other state partition how far its own partitions fired
 * (after their partials, in the same partition of the topic). Until then it waits here, so the
 * result is the window's over all partitions, whichever instances read them.
 */
export class WindowExchange {
  readonly #partitions: StatePartitions;
  readonly #nodes = new Map<number, NodeState>();
  readonly #ops = new Map<number, PaneOps>();
  readonly #sessions = new Map<number, SessionMerge>();
  /** Per node and remote state partition, the progress last sent: unchanged is not sent again. */
  readonly #sent = new Map<string, { text: string; at: number }>();

  constructor(layout: StateLayout) {
    this.#partitions = new StatePartitions(layout);
    // Nothing is held until the source says what it owns.
    this.#partitions.own([]);
  }

  /** The input partitions owned now; what the state partitions that left held goes. */
  own(partitions: Iterable<{ readonly topic: string; readonly partition: number }>): void {
    const before = this.held();
    this.#partitions.own(partitions);
    for (const { topic, partition } of before)
      if (!this.#partitions.holds(partition)) this.forget(partitionId(topic, partition));
  }

  /**
   * One batch of a window operation: the messages read and the slots' fired windows go to their
   * state partitions (here, or into `outgoing`), progress is recorded and sent, and what
   * is complete is emitted. `present`: downstream has a batch (something emitted, or a
   * processing-time slide whose window is complete here).
   */
  merge(
    node: WindowAggregateNode,
    results: readonly PartitionResult[],
    info: BatchInfo,
    eventTime: boolean,
    incoming: readonly WindowIncoming[],
    outgoing: Forward[],
  ): { values: unknown[]; present: boolean } {
    if (isSessionSpec(node.spec))
      return this.#mergeSessions(node, node.spec, results, info, incoming, outgoing);
    const state = this.#stateOf(node.id);
    const touched: Entry[] = [];
    for (const { partition, message } of incoming) {
      if (message.type === 'progress') {
        for (const [source, through] of message.through) this.#progress(state, partition, source, through);
      } else if (message.type === 'partials') {
        const { start, end, pairs, topic, partition: from } = message;
        for (const [key, partial] of pairs)
          this.#apply(state, partition, partitionId(topic, from), { key, start, end, partial }, touched);
      }
    }
    const remote = new Map<string, Extract<WindowMessage, { type: 'partials' }> & { q: number }>();
    for (const result of results) {
      const source = partitionId(result.topic, result.partition);
      for (const item of result.exports) {
        if (item.node !== node.id || item.kind !== 'windows') continue;
        for (const [index, window] of item.windows.entries()) {
          const partitions = item.partitions?.[index];
          for (const [at, [key, partial]] of window.pairs.entries()) {
            const q = partitions?.[at] ?? this.#partitions.partitionOf(key);
            if (this.#partitions.holds(q)) {
              this.#apply(state, q, source, { key, start: window.start, end: window.end, partial }, touched);
              continue;
            }
            const message = entryOf(remote, `${q}\u0000${window.end}\u0000${source}`, () => ({
              type: 'partials' as const,
              topic: result.topic,
              partition: result.partition,
              start: window.start,
              end: window.end,
              pairs: [],
              q,
            }));
            message.pairs.push([key, partial]);
          }
        }
      }
    }
    for (const { q, ...message } of remote.values())
      outgoing.push({ kind: 'window', node: node.id, partition: q, message });
    // The slots fired through the watermark (event time) or the batch time; everything at the end.
    const watermark = info.watermark ?? Number.NEGATIVE_INFINITY;
    const through = eventTime || watermark === Number.POSITIVE_INFINITY ? watermark : info.time;
    this.#advance(node.id, state, through, info.time, outgoing);

    const ops = entryOf(this.#ops, node.id, () => paneOps(node.aggregation));
    const emitted = node.emit === 'update' ? this.#updates(ops, touched) : [];
    const held = this.#heldNumbers();
    const complete = new Map(held.map((q) => [q, this.#complete(state, q)]));
    for (const end of [...state.windows.keys()].sort((a, b) => a - b)) {
      const keys = state.windows.get(end);
      if (!keys) continue;
      for (const [normalized, entry] of keys) {
        if (end > (complete.get(entry.partition) ?? Number.NEGATIVE_INFINITY)) continue;
        if (node.emit !== 'update') emitted.push(merged(ops, entry));
        keys.delete(normalized);
      }
      if (keys.size === 0) state.windows.delete(end);
    }
    for (const [q, through] of complete) state.done.set(q, Math.max(state.done.get(q) ?? through, through));

    const { sizeMs, slideMs } = node.spec;
    const slide = !eventTime && (info.time - sizeMs) % slideMs === 0;
    const present =
      emitted.length > 0 || (slide && [...complete.values()].some((through) => through >= info.time));
    // countByWindow's 0 for an empty window comes from the owner of its one key (null).
    const emptyCount = present && this.#partitions.holds(this.#partitions.partitionOf(null));
    return { values: present ? shape(node, ops, emitted, emptyCount) : [], present };
  }

  /**
   * One batch of a session window operation: each source partition's open sessions of a key go to
   * the key's state partition (here, or into `outgoing`), progress as for other windows, and
   * the sessions complete through every source's progress close.
   */
  #mergeSessions(
    node: WindowAggregateNode,
    spec: SessionWindowSpec,
    results: readonly PartitionResult[],
    info: BatchInfo,
    incoming: readonly WindowIncoming[],
    outgoing: Forward[],
  ): { values: unknown[]; present: boolean } {
    const state = this.#stateOf(node.id);
    const sessions = entryOf(this.#sessions, node.id, () => new SessionMerge());
    const { gapMs } = spec;
    const done = (q: number): number => state.done.get(q) ?? Number.NEGATIVE_INFINITY;
    for (const { partition: q, message } of incoming) {
      if (message.type === 'progress') {
        for (const [source, through] of message.through) this.#progress(state, q, source, through);
      } else if (message.type === 'sessions') {
        const source = partitionId(message.topic, message.partition);
        for (const [key, parts] of message.keys)
          sessions.apply(q, source, message.through, key, parts, done(q), gapMs);
      }
    }
    const remote = new Map<string, Extract<WindowMessage, { type: 'sessions' }> & { q: number }>();
    for (const result of results) {
      const source = partitionId(result.topic, result.partition);
      for (const item of result.exports) {
        if (item.node !== node.id || item.kind !== 'sessions') continue;
        for (const [index, update] of item.keys.entries()) {
          const [key, parts] = update;
          const q = item.partitions?.[index] ?? this.#partitions.partitionOf(key);
          if (this.#partitions.holds(q)) {
            sessions.apply(q, source, item.through, key, parts, done(q), gapMs);
            continue;
          }
          const message = entryOf(remote, `${q}\u0000${source}`, () => ({
            type: 'sessions' as const,
            topic: result.topic,
            partition: result.partition,
            through: item.through,
            keys: [],
            q,
          }));
          message.keys.push(update);
        }
      }
    }
    for (const { q, ...message } of remote.values())
      outgoing.push({ kind: 'window', node: node.id, partition: q, message });
    this.#advance(node.id, state, info.watermark ?? Number.NEGATIVE_INFINITY, info.time, outgoing);
    const complete = new Map(this.#heldNumbers().map((q) => [q, this.#complete(state, q)]));
    const ops = entryOf(this.#ops, node.id, () => paneOps(node.aggregation));
    const values = sessions.take(
      { gapMs, ops, emit: node.emit },
      (q) => complete.get(q) ?? Number.NEGATIVE_INFINITY,
    );
    for (const [q, through] of complete) state.done.set(q, Math.max(state.done.get(q) ?? through, through));
    return { values, present: values.length > 0 };
  }

  /** Update mode: each (window, key) changed this batch, once, merged over its sources. */
  #updates(ops: PaneOps, touched: readonly Entry[]): Merged[] {
    const unique = [...new Set(touched)].sort((a, b) => a.end - b.end);
    return unique.map((entry) => merged(ops, entry));
  }

  #apply(
    state: NodeState,
    q: number,
    source: string,
    window: { key: unknown; start: number; end: number; partial: unknown },
    touched: Entry[],
  ): void {
    // A window already emitted here: a replayed partial of it, once more.
    if (window.end <= (state.done.get(q) ?? Number.NEGATIVE_INFINITY)) return;
    const keys = entryOf(state.windows, window.end, () => new Map<unknown, Entry>());
    const entry = entryOf(keys, keyIdentity(window.key), () => ({
      key: window.key,
      start: window.start,
      end: window.end,
      partition: q,
      parts: new Map<string, unknown>(),
    }));
    entry.parts.set(source, window.partial);
    touched.push(entry);
  }

  #progress(state: NodeState, q: number, source: number, through: number): void {
    const progress = entryOf(state.progress, q, () => new Map<number, number>());
    progress.set(source, Math.max(progress.get(source) ?? through, through));
  }

  /** The partitions owned here fired through `through`: recorded here, and sent where it changed. */
  #advance(node: number, state: NodeState, through: number, time: number, outgoing: Forward[]): void {
    const sources = this.#heldNumbers();
    for (const q of sources) for (const source of sources) this.#progress(state, q, source, through);
    if (sources.length === 0) return;
    const message: WindowMessage = { type: 'progress', through: sources.map((source) => [source, through]) };
    // Not JSON: it writes both −∞ (nothing fired yet) and +∞ (the end of input) as null.
    const text = message.through.map(([source, time]) => `${source}:${time}`).join(',');
    for (let q = 0; q < this.#partitions.layout.partitions; q++) {
      if (this.#partitions.holds(q)) continue;
      const key = `${node}\u0000${q}`;
      const sent = this.#sent.get(key);
      // Again now and then, for an owner that read the topic only from its commit on.
      if (sent?.text === text && time - sent.at < RESEND_PROGRESS_MS) continue;
      this.#sent.set(key, { text, at: time });
      outgoing.push({ kind: 'window', node, partition: q, message });
    }
  }

  /** How far every source partition has fired, as state partition `q` knows it. */
  #complete(state: NodeState, q: number): number {
    const progress = state.progress.get(q);
    let through = Number.POSITIVE_INFINITY;
    for (let source = 0; source < this.#partitions.layout.partitions; source++) {
      through = Math.min(through, progress?.get(source) ?? Number.NEGATIVE_INFINITY);
    }
    return through;
  }

  #stateOf(node: number): NodeState {
    return entryOf(this.#nodes, node, () => ({ windows: new Map(), progress: new Map(), done: new Map() }));
  }

  /** A state partition's windows for its input partition's checkpoint (id: `topic\0partition`). */
  snapshot(id: string): ExchangeSnapshot {
    const q = this.#partitions.numberOf(id);
    if (q === undefined) return [];
    const out: ExchangeSnapshot = [];
    for (const [node, state] of this.#nodes) {
      const entries: ExchangeSnapshot[number][3] = [];
      for (const [end, keys] of state.windows) {
        for (const entry of keys.values()) {
          if (entry.partition !== q) continue;
          const parts = [...entry.parts].map(([source, partial]): [string, number, unknown] => {
            const { topic, partition } = parsePartitionId(source);
            return [topic, partition, partial];
          });
          entries.push([end, entry.start, entry.key, parts]);
        }
      }
      const progress = [...(state.progress.get(q) ?? [])];
      const done = state.done.get(q) ?? Number.NEGATIVE_INFINITY;
      const sessions = this.#sessions.get(node);
      out.push(
        sessions ? [node, progress, done, entries, sessions.snapshot(q)] : [node, progress, done, entries],
      );
    }
    return out;
  }

  /** Replaces a state partition's windows with a checkpoint's. */
  restore(id: string, snapshot: ExchangeSnapshot): void {
    this.forget(id);
    const q = this.#partitions.numberOf(id);
    if (q === undefined) return;
    for (const [node, progress, done, entries, sessions] of snapshot) {
      const state = this.#stateOf(node);
      state.progress.set(q, new Map(progress));
      state.done.set(q, done);
      if (sessions) entryOf(this.#sessions, node, () => new SessionMerge()).restore(q, sessions);
      for (const [end, start, key, parts] of entries) {
        const keys = entryOf(state.windows, end, () => new Map<unknown, Entry>());
        const sources = parts.map(([topic, partition, partial]): [string, unknown] => [
          partitionId(topic, partition),
          partial,
        ]);
        keys.set(keyIdentity(key), { key, start, end, partition: q, parts: new Map(sources) });
      }
    }
  }

  /** Drops a state partition that left this instance. */
  forget(id: string): void {
    const q = this.#partitions.numberOf(id);
    if (q === undefined) return;
    for (const sessions of this.#sessions.values()) sessions.forget(q);
    for (const state of this.#nodes.values()) {
      state.progress.delete(q);
      state.done.delete(q);
      for (const [end, keys] of state.windows) {
        for (const [normalized, entry] of keys) if (entry.partition === q) keys.delete(normalized);
        if (keys.size === 0) state.windows.delete(end);
      }
    }
    for (const sent of this.#sent.keys()) if (sent.endsWith(`\u0000${q}`)) this.#sent.delete(sent);
  }

  /** The state partitions held here, for checkpoints. */
  held(): { topic: string; partition: number }[] {
    return this.#partitions.held();
  }

  #heldNumbers(): number[] {
    return this.held().map(({ partition }) => partition);
  }

  /** Open (window, key) entries waiting here, for tests and metrics. */
  openEntries(): number {
    let count = 0;
    for (const state of this.#nodes.values()) for (const keys of state.windows.values()) count += keys.size;
    for (const sessions of this.#sessions.values()) count += sessions.size;
    return count;
  }
}

function merged(ops: PaneOps, entry: Entry): Merged {
  return {
    start: entry.start,
    end: entry.end,
    key: entry.key,
    partial: mergeParts(ops, entry.parts.values()),
  };
}
