// A window operation's sealed panes in index order, as a growable ring buffer.

import type { PaneTable } from './pane-table.ts';

/** Sealed panes in index order: a ring buffer that grows by doubling and never shifts. */
export class PaneQueue {
  #indexes: number[] = new Array<number>(8);
  #tables: (PaneTable | undefined)[] = new Array<PaneTable | undefined>(8);
  #head = 0;
  length = 0;

  push(index: number, table: PaneTable): void {
    if (this.length === this.#indexes.length) this.#grow();
    const at = (this.#head + this.length) % this.#indexes.length;
    this.#indexes[at] = index;
    this.#tables[at] = table;
    this.length++;
  }

  /** The oldest pane's index, or undefined when empty. */
  firstIndex(): number | undefined {
    return this.length === 0 ? undefined : this.#indexes[this.#head];
  }

  shift(): PaneTable | undefined {
    if (this.length === 0) return undefined;
    const table = this.#tables[this.#head];
    this.#tables[this.#head] = undefined;
    this.#head = (this.#head + 1) % this.#indexes.length;
    this.length--;
    return table;
  }

  *entries(): Generator<[number, PaneTable]> {
    for (let i = 0; i < this.length; i++) {
      const at = (this.#head + i) % this.#indexes.length;
      yield [this.#indexes[at] as number, this.#tables[at] as PaneTable];
    }
  }

  static from(entries: Iterable<readonly [number, PaneTable]>): PaneQueue {
    const queue = new PaneQueue();
    for (const [index, table] of entries) queue.push(index, table);
    return queue;
  }

  #grow(): void {
    const size = this.#indexes.length;
    const indexes = new Array<number>(size * 2);
    const tables = new Array<PaneTable | undefined>(size * 2);
    for (let i = 0; i < this.length; i++) {
      indexes[i] = this.#indexes[(this.#head + i) % size] as number;
      tables[i] = this.#tables[(this.#head + i) % size];
    }
    this.#indexes = indexes;
    this.#tables = tables;
    this.#head = 0;
  }
}
