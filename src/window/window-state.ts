// A window operation's state in one partition: open panes, the firing rule, final, update and record modes.

import type { PaneOps } from './aggregation.ts';
import {
  type Combiner,
  type CombinerSnapshot,
  IncrementalCombiner,
  MonotonicCombiner,
  releasePane,
  TwoStacksCombiner,
} from './combiner.ts';
import { KeyDictionary, type KeyDictionarySnapshot } from './key-dictionary.ts';
import { PaneTable, type PaneTableSnapshot } from './pane-table.ts';
import { firstWindowEnd, lastWindowEnd, type WindowSpec, windowEnds } from './spec.ts';

/** One window's per-key partials from one partition. */
export type FiredWindow = {
  readonly start: number;
  readonly end: number;
  readonly pairs: [unknown, unknown][];
};

export type EmitMode = 'final' | 'update';

/** A window operation's state in one partition, as plain data for a checkpoint. */
export type WindowsSnapshot = {
  readonly frontier: number;
  readonly nextEnd: number | null;
  readonly open: [number, unknown][];
  readonly rest: unknown;
};

/**
 * The firing rule shared by every window operation. Time moves by `advance(watermark)`: a record
 * older than the last watermark is late (Structured Streaming's rule), so a pane whose end the
 * watermark passed can no longer change and is sealed; a window fires once the watermark reaches
 * its end. Windows without records are skipped, so a jump in time costs nothing.
 */
export abstract class Windowing<Pane> {
  readonly spec: WindowSpec;
  /** Panes that may still receive records, by pane index. */
  protected readonly open = new Map<number, Pane>();
  #frontier = Number.NEGATIVE_INFINITY;
  #nextEnd: number | undefined;
  #lastIndex = Number.NaN;
  #lastPane: Pane | undefined;

  constructor(spec: WindowSpec) {
    this.spec = spec;
  }

  /** What the windows hold: keys with a partial (keyed windows), or records (`window`). */
  abstract get entries(): number;

  /** The watermark of the last `advance`: records older than it are late. */
  get frontier(): number {
    return this.#frontier;
  }

  isLate(time: number): boolean {
    return time < this.#frontier;
  }

  /** The open pane holding `time`; the same pane as last time is found without a lookup. */
  protected paneAt(time: number): Pane {
    const index = Math.floor(time / this.spec.paneMs);
    if (index === this.#lastIndex) return this.#lastPane as Pane;
    let pane = this.open.get(index);
    if (!pane) {
      pane = this.createPane();
      this.open.set(index, pane);
      // Out of order: a pane older than the next window to fire brings earlier windows back.
      const end = firstWindowEnd(this.spec, index * this.spec.paneMs);
      if (this.#nextEnd !== undefined && end < this.#nextEnd) this.#nextEnd = end;
    }
    this.#lastIndex = index;
    this.#lastPane = pane;
    return pane;
  }

  /** Seals panes and fires every window whose end is at or before `watermark`. */
  advance(watermark: number): void {
    const { sizeMs, slideMs, paneMs } = this.spec;
    for (;;) {
      if (this.#nextEnd === undefined) {
        const oldest = this.#oldestIndex();
        if (oldest === undefined) break;
        this.#nextEnd = firstWindowEnd(this.spec, oldest * paneMs);
      }
      const end = this.#nextEnd;
      if (end > watermark) break;
      const indexes = [...this.open.keys()].filter((index) => index * paneMs < end).sort((a, b) => a - b);
      for (const index of indexes) {
        this.seal(index, this.open.get(index) as Pane);
        this.open.delete(index);
      }
      this.evictBefore((end - sizeMs) / paneMs);
      this.fire(end - sizeMs, end);
      this.#nextEnd = this.sealedOldest() === undefined ? undefined : end + slideMs;
    }
    this.moveFrontier(watermark);
  }

  protected moveFrontier(watermark: number): void {
    this.#lastIndex = Number.NaN;
    this.#lastPane = undefined;
    if (watermark > this.#frontier) this.#frontier = watermark;
  }

  #oldestIndex(): number | undefined {
    let oldest = this.sealedOldest();
    for (const index of this.open.keys()) if (oldest === undefined || index < oldest) oldest = index;
    return oldest;
  }

  /** Everything this operation holds for its partition; `restore` on a fresh one brings it back. */
  snapshot(): WindowsSnapshot {
    return {
      frontier: this.#frontier,
      nextEnd: this.#nextEnd ?? null,
      open: [...this.open].map(([index, pane]) => [index, this.paneSnapshot(pane)]),
      rest: this.restSnapshot(),
    };
  }

  restore(snapshot: WindowsSnapshot): void {
    this.#frontier = snapshot.frontier;
    this.#nextEnd = snapshot.nextEnd ?? undefined;
    this.#lastIndex = Number.NaN;
    this.#lastPane = undefined;
    this.open.clear();
    for (const [index, pane] of snapshot.open) this.open.set(index, this.paneRestore(pane));
    this.restRestore(snapshot.rest);
  }

  protected abstract paneSnapshot(pane: Pane): unknown;
  protected abstract paneRestore(data: unknown): Pane;
  protected abstract restSnapshot(): unknown;
  protected abstract restRestore(data: unknown): void;
  protected abstract createPane(): Pane;
  protected abstract seal(index: number, pane: Pane): void;
  protected abstract evictBefore(index: number): void;
  protected abstract sealedOldest(): number | undefined;
  protected abstract fire(start: number, end: number): void;
}

/** Keyed window aggregations: panes are tables of per-key partials, keys interned per operation. */
abstract class KeyedWindows extends Windowing<PaneTable> {
  dict = new KeyDictionary();
  protected readonly ops: PaneOps;

  /** A key counts once however many panes hold it: the dictionary keeps it while one does. */
  get entries(): number {
    return this.dict.size;
  }

  constructor(spec: WindowSpec, ops: PaneOps) {
    super(spec);
    this.ops = ops;
  }

  /** Adds a record that is not late (check `isLate` first); returns the key's id. */
  add(key: unknown, value: unknown, time: number): number {
    const pane = this.paneAt(time);
    const id = this.dict.id(key);
    const slot = pane.slot(id);
    if (pane.counts[slot] === 0) this.dict.retain(id);
    this.ops.add(pane, slot, value);
    return id;
  }

  protected createPane(): PaneTable {
    return new PaneTable(this.ops.layout);
  }

  protected paneSnapshot(pane: PaneTable): unknown {
    return pane.snapshot();
  }

  protected paneRestore(data: unknown): PaneTable {
    return PaneTable.restore(data as PaneTableSnapshot);
  }
}

/**
 * A keyed window aggregation of one partition in `final` mode: per-key partials in panes, sealed
 * panes combined incrementally (with an inverse) or by Two-Stacks (without). Fired windows wait in
 * `takeFired()` for the batch result.
 */
export class FinalWindows extends KeyedWindows {
  #combiner: Combiner;
  #fired: FiredWindow[] = [];

  constructor(spec: WindowSpec, ops: PaneOps) {
    super(spec, ops);
    this.#combiner = this.#makeCombiner();
  }

  #makeCombiner(): Combiner {
    const { ops, dict } = this;
    if (ops.invertible) return new IncrementalCombiner(ops, dict);
    return ops.supersedes ? new MonotonicCombiner(ops, dict) : new TwoStacksCombiner(ops, dict);
  }

  takeFired(): FiredWindow[] {
    const fired = this.#fired;
    this.#fired = [];
    return fired;
  }

  protected restSnapshot(): unknown {
    return { dict: this.dict.snapshot(), combiner: this.#combiner.snapshot() };
  }

  protected restRestore(data: unknown): void {
    const { dict, combiner } = data as { dict: KeyDictionarySnapshot; combiner: CombinerSnapshot };
    this.dict = KeyDictionary.restore(dict);
    this.#combiner = this.#makeCombiner();
    this.#combiner.restore(combiner);
  }

  protected seal(index: number, pane: PaneTable): void {
    this.#combiner.push(index, pane);
  }

  protected evictBefore(index: number): void {
    this.#combiner.evictBefore(index);
  }

  protected sealedOldest(): number | undefined {
    return this.#combiner.oldest();
  }

  protected fire(start: number, end: number): void {
    if (this.#combiner.keys > 0) this.#fired.push({ start, end, pairs: this.#combiner.results() });
  }
}

/**
 * A keyed window aggregation of one partition in `update` mode: after each batch, the windows
 * and keys the batch changed, with this partition's partial over the window's panes. Panes stay
 * open until the last window holding them closes; closed windows are dropped, not emitted.
 */
export class UpdateWindows extends KeyedWindows {
  /** Pane index → key ids the current batch touched. */
  #touched = new Map<number, Set<number>>();

  override add(key: unknown, value: unknown, time: number): number {
    const id = super.add(key, value, time);
    const index = Math.floor(time / this.spec.paneMs);
    let touched = this.#touched.get(index);
    if (!touched) {
      touched = new Set();
      this.#touched.set(index, touched);
    }
    touched.add(id);
    return id;
  }

  /** The open windows the batch changed, per key; windows ordered by end. */
  takeUpdates(): FiredWindow[] {
    const { sizeMs, paneMs } = this.spec;
    const byEnd = new Map<number, Set<number>>();
    for (const [index, ids] of this.#touched) {
      for (const end of windowEnds(this.spec, index * paneMs)) {
        if (end <= this.frontier) continue;
        let keys = byEnd.get(end);
        if (!keys) {
          keys = new Set();
          byEnd.set(end, keys);
        }
        for (const id of ids) keys.add(id);
      }
    }
    this.#touched = new Map();
    const out: FiredWindow[] = [];
    for (const end of [...byEnd.keys()].sort((a, b) => a - b)) {
      const pairs: [unknown, unknown][] = [];
      for (const id of byEnd.get(end) as Set<number>) pairs.push([this.dict.key(id), this.#partial(id, end)]);
      out.push({ start: end - sizeMs, end, pairs });
    }
    return out;
  }

  #partial(id: number, end: number): unknown {
    const { sizeMs, paneMs } = this.spec;
    let partial: unknown;
    let has = false;
    const first = (end - sizeMs) / paneMs;
    for (let n = 0; n < sizeMs / paneMs; n++) {
      const index = first + n;
      const pane = this.open.get(index);
      const slot = pane ? pane.find(id) : -1;
      if (!pane || slot < 0) continue;
      const value = this.ops.partial(pane, slot);
      partial = has ? this.ops.mergePartials(partial, value) : value;
      has = true;
    }
    return partial;
  }

  /** A pane lives until the last window that holds it closes. */
  override advance(watermark: number): void {
    const { paneMs } = this.spec;
    for (const [index, pane] of this.open) {
      if (lastWindowEnd(this.spec, index * paneMs) > watermark) continue;
      releasePane(this.dict, pane);
      this.open.delete(index);
    }
    this.moveFrontier(watermark);
  }

  // Between batches `takeUpdates` has emptied the touched set: the dictionary is all there is.
  protected restSnapshot(): unknown {
    return this.dict.snapshot();
  }

  protected restRestore(data: unknown): void {
    this.dict = KeyDictionary.restore(data as KeyDictionarySnapshot);
    this.#touched = new Map();
  }

  // Update mode never seals: its panes stay open until dropped by `advance`.
  protected seal(): void {}
  protected evictBefore(): void {}
  protected sealedOldest(): number | undefined {
    return undefined;
  }
  protected fire(): void {}
}

/** Spark's `window(W, S)`: the records themselves, kept per pane and emitted for each window. */
export class RecordWindows extends Windowing<unknown[]> {
  #sealed: [number, unknown[]][] = [];
  #fired: { start: number; end: number; values: unknown[] }[] = [];

  get entries(): number {
    let records = 0;
    for (const pane of this.open.values()) records += pane.length;
    for (const [, pane] of this.#sealed) records += pane.length;
    return records;
  }

  add(value: unknown, time: number): void {
    this.paneAt(time).push(value);
  }

  takeFired(): { start: number; end: number; values: unknown[] }[] {
    const fired = this.#fired;
    this.#fired = [];
    return fired;
  }

  protected createPane(): unknown[] {
    return [];
  }

  protected paneSnapshot(pane: unknown[]): unknown {
    return pane;
  }

  protected paneRestore(data: unknown): unknown[] {
    return data as unknown[];
  }

  protected restSnapshot(): unknown {
    return this.#sealed;
  }

  protected restRestore(data: unknown): void {
    this.#sealed = data as [number, unknown[]][];
    this.#fired = [];
  }

  protected seal(index: number, pane: unknown[]): void {
    this.#sealed.push([index, pane]);
  }

  protected evictBefore(index: number): void {
    let drop = 0;
    while (drop < this.#sealed.length && (this.#sealed[drop]?.[0] as number) < index) drop++;
    if (drop > 0) this.#sealed = this.#sealed.slice(drop);
  }

  protected sealedOldest(): number | undefined {
    return this.#sealed[0]?.[0];
  }

  protected fire(start: number, end: number): void {
    const values = this.#sealed.flatMap(([, pane]) => pane);
    // The slide after the last pane leaves is empty: skipped, as FinalWindows skips windows without keys.
    if (values.length > 0) this.#fired.push({ start, end, values });
  }
}
