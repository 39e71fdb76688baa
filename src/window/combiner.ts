// Combines a window's sealed panes per key: subtract-on-evict, Two-Stacks, or a monotonic deque.

import type { PaneOps } from './aggregation.ts';
import type { KeyDictionary } from './key-dictionary.ts';
import { PaneQueue } from './pane-queue.ts';
import { PaneTable, type PaneTableSnapshot } from './pane-table.ts';

/** A combiner's sealed panes and running state, as plain data for a checkpoint. */
export type CombinerSnapshot = {
  readonly queue: [number, PaneTableSnapshot][];
  readonly state: unknown;
};

/**
 * The sealed panes of one window operation in one partition, combined per key. Panes are pushed
 * in index order once no record can reach them, and evicted from the oldest.
 */
export type Combiner = {
  push(index: number, pane: PaneTable): void;
  /** Evicts the panes whose index is below `index`. */
  evictBefore(index: number): void;
  /** The oldest pane held, or undefined. */
  oldest(): number | undefined;
  /** `[key, partial]` of every key over the panes held. */
  results(): [unknown, unknown][];
  /** Keys with a partial. */
  readonly keys: number;
  snapshot(): CombinerSnapshot;
  /** Replaces the state with a snapshot's (the key ids refer to the same dictionary's). */
  restore(snapshot: CombinerSnapshot): void;
};

function queueSnapshot(queue: PaneQueue): [number, PaneTableSnapshot][] {
  return [...queue.entries()].map(([index, table]) => [index, table.snapshot()]);
}

function restoreQueue(snapshot: CombinerSnapshot): PaneQueue {
  return PaneQueue.from(snapshot.queue.map(([index, table]) => [index, PaneTable.restore(table)] as const));
}

/** Releases what a pane table holds once it leaves the queue. */
export function releasePane(dict: KeyDictionary, pane: PaneTable): void {
  pane.each((id) => {
    dict.release(id);
  });
}

/**
 * Subtract-on-evict: one running table holds the sum of the panes in the window; a pushed pane is
 * merged in and an evicted one subtracted, so each (key, pane) costs two updates in its life.
 * A key whose record count returns to 0 leaves the window (what Spark's `filterFunc` is for).
 */
export class IncrementalCombiner implements Combiner {
  readonly #ops: PaneOps;
  readonly #dict: KeyDictionary;
  #queue = new PaneQueue();
  #running: PaneTable;

  constructor(ops: PaneOps, dict: KeyDictionary) {
    this.#ops = ops;
    this.#dict = dict;
    this.#running = new PaneTable(ops.layout);
  }

  snapshot(): CombinerSnapshot {
    return { queue: queueSnapshot(this.#queue), state: this.#running.snapshot() };
  }

  restore(snapshot: CombinerSnapshot): void {
    this.#queue = restoreQueue(snapshot);
    this.#running = PaneTable.restore(snapshot.state as PaneTableSnapshot);
  }

  get keys(): number {
    return this.#running.size;
  }

  push(index: number, pane: PaneTable): void {
    const running = this.#running;
    pane.each((id, slot) => {
      const to = running.slot(id);
      if (running.counts[to] === 0) this.#dict.retain(id);
      this.#ops.merge(running, to, pane, slot);
    });
    this.#queue.push(index, pane);
  }

  evictBefore(index: number): void {
    const running = this.#running;
    while ((this.#queue.firstIndex() ?? index) < index) {
      const pane = this.#queue.shift() as PaneTable;
      pane.each((id, slot) => {
        const to = running.find(id);
        this.#ops.subtract(running, to, pane, slot);
        if (running.counts[to] === 0) {
          running.delete(id);
          this.#dict.release(id);
        }
      });
      releasePane(this.#dict, pane);
    }
  }

  oldest(): number | undefined {
    return this.#queue.firstIndex();
  }

  results(): [unknown, unknown][] {
    const out: [unknown, unknown][] = [];
    this.#running.each((id, slot) => {
      out.push([this.#dict.key(id), this.#ops.partial(this.#running, slot)]);
    });
    return out;
  }
}

/** One key's FIFO of pane partials as two stacks: `front` holds suffix combines, `back` raw entries. */
type KeyStacks = {
  frontValues: unknown[];
  frontCount: number;
  backValues: unknown[];
  back: unknown;
};

/**
 * Two-Stacks per key over pane partials, for aggregations without an inverse (min, max, user
 * aggregations without `subtract`): push and evict are O(1) amortized per (key, pane), and a
 * query is one combine of the front's top with the back's running value. A key's flip costs its
 * entries in the window at once; docs/performance.md measures the worst emission.
 */
export class TwoStacksCombiner implements Combiner {
  readonly #ops: PaneOps;
  readonly #dict: KeyDictionary;
  #queue = new PaneQueue();
  #stacks = new Map<number, KeyStacks>();

  constructor(ops: PaneOps, dict: KeyDictionary) {
    this.#ops = ops;
    this.#dict = dict;
  }

  snapshot(): CombinerSnapshot {
    return { queue: queueSnapshot(this.#queue), state: [...this.#stacks] };
  }

  restore(snapshot: CombinerSnapshot): void {
    this.#queue = restoreQueue(snapshot);
    this.#stacks = new Map(snapshot.state as [number, KeyStacks][]);
  }

  get keys(): number {
    return this.#stacks.size;
  }

  push(index: number, pane: PaneTable): void {
    pane.each((id, slot) => {
      const value = this.#ops.partial(pane, slot);
      let stacks = this.#stacks.get(id);
      if (!stacks) {
        stacks = { frontValues: [], frontCount: 0, backValues: [], back: undefined };
        this.#stacks.set(id, stacks);
        this.#dict.retain(id);
      }
      stacks.back = stacks.backValues.length === 0 ? value : this.#ops.mergePartials(stacks.back, value);
      stacks.backValues.push(value);
    });
    this.#queue.push(index, pane);
  }

  evictBefore(index: number): void {
    while ((this.#queue.firstIndex() ?? index) < index) {
      const pane = this.#queue.shift() as PaneTable;
      pane.each((id) => {
        const stacks = this.#stacks.get(id);
        if (!stacks) return;
        if (stacks.frontCount === 0) this.#flip(stacks);
        stacks.frontValues.pop();
        stacks.frontCount--;
        if (stacks.frontCount === 0 && stacks.backValues.length === 0) {
          this.#stacks.delete(id);
          this.#dict.release(id);
        }
      });
      releasePane(this.#dict, pane);
    }
  }

  /** Moves the back's entries to the front as suffix combines, oldest on top. */
  #flip(stacks: KeyStacks): void {
    const { backValues } = stacks;
    const front: unknown[] = new Array<unknown>(backValues.length);
    let acc: unknown;
    for (let i = backValues.length - 1, at = 0; i >= 0; i--, at++) {
      acc = at === 0 ? backValues[i] : this.#ops.mergePartials(backValues[i], acc);
      front[at] = acc;
    }
    stacks.frontValues = front;
    stacks.frontCount = front.length;
    stacks.backValues = [];
    stacks.back = undefined;
  }

  oldest(): number | undefined {
    return this.#queue.firstIndex();
  }

  results(): [unknown, unknown][] {
    const out: [unknown, unknown][] = [];
    for (const [id, stacks] of this.#stacks) {
      const top = stacks.frontCount > 0 ? stacks.frontValues[stacks.frontCount - 1] : undefined;
      const value =
        stacks.frontCount === 0
          ? stacks.back
          : stacks.backValues.length === 0
            ? top
            : this.#ops.mergePartials(top, stacks.back);
      out.push([this.#dict.key(id), value]);
    }
    return out;
  }
}

/** One key's pane partials that can still be a window's result, oldest first, from `head`. */
type Deque = { panes: number[]; values: number[]; head: number };

/**
 * Min and max over sliding panes as a monotonic deque per key: a pushed partial drops the older
 * ones it supersedes, so the oldest left is the window's value. Each (key, pane) enters and
 * leaves once, and a window's emission reads one value per key: no flip, no spike.
 */
export class MonotonicCombiner implements Combiner {
  readonly #supersedes: (newer: number, older: number) => boolean;
  readonly #dict: KeyDictionary;
  #queue = new PaneQueue();
  #deques = new Map<number, Deque>();

  constructor(ops: PaneOps, dict: KeyDictionary) {
    if (!ops.supersedes) throw new Error('a monotonic deque needs a selection (min or max)');
    this.#supersedes = ops.supersedes;
    this.#dict = dict;
  }

  snapshot(): CombinerSnapshot {
    return { queue: queueSnapshot(this.#queue), state: [...this.#deques] };
  }

  restore(snapshot: CombinerSnapshot): void {
    this.#queue = restoreQueue(snapshot);
    this.#deques = new Map(snapshot.state as [number, Deque][]);
  }

  get keys(): number {
    return this.#deques.size;
  }

  push(index: number, pane: PaneTable): void {
    pane.each((id, slot) => {
      const value = pane.numbers[slot] as number;
      let deque = this.#deques.get(id);
      if (!deque) {
        deque = { panes: [], values: [], head: 0 };
        this.#deques.set(id, deque);
        this.#dict.retain(id);
      }
      const { panes, values } = deque;
      while (values.length > deque.head && this.#supersedes(value, values[values.length - 1] as number)) {
        values.pop();
        panes.pop();
      }
      panes.push(index);
      values.push(value);
    });
    this.#queue.push(index, pane);
  }

  evictBefore(index: number): void {
    for (
      let first = this.#queue.firstIndex();
      first !== undefined && first < index;
      first = this.#queue.firstIndex()
    ) {
      const pane = this.#queue.shift() as PaneTable;
      pane.each((id) => {
        const deque = this.#deques.get(id);
        if (!deque || deque.panes[deque.head] !== first) return;
        deque.head++;
        if (deque.head === deque.values.length) {
          this.#deques.delete(id);
          this.#dict.release(id);
        } else if (deque.head > 32 && deque.head * 2 > deque.values.length) {
          deque.panes = deque.panes.slice(deque.head);
          deque.values = deque.values.slice(deque.head);
          deque.head = 0;
        }
      });
      releasePane(this.#dict, pane);
    }
  }

  oldest(): number | undefined {
    return this.#queue.firstIndex();
  }

  results(): [unknown, unknown][] {
    const out: [unknown, unknown][] = [];
    for (const [id, deque] of this.#deques) out.push([this.#dict.key(id), deque.values[deque.head]]);
    return out;
  }
}
