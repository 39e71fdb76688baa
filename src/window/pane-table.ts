/** Which columns a table keeps beside the per-key record count. */
export type Layout = 'count' | 'number' | 'object';

const EMPTY = -1;
const MAX_LOAD = 0.7;

/** A table as plain data for a checkpoint: the columns' bytes, copied. */
export type PaneTableSnapshot = {
  readonly layout: Layout;
  readonly bits: number;
  readonly size: number;
  readonly keys: Uint8Array;
  readonly counts: Uint8Array;
  readonly numbers: Uint8Array;
  readonly objects: unknown[];
};

const bytesOf = (view: ArrayBufferView): Uint8Array =>
  new Uint8Array(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));
// A decoded Uint8Array may sit at any offset of a larger buffer: copy it to an aligned one.
// Not `bytes.slice()`: on a Buffer (what msgpack gives back when it decodes one) that is a view.
const aligned = (bytes: Uint8Array): ArrayBuffer => new Uint8Array(bytes).buffer;

/**
 * Per-key partials of one pane (or of a running window): an open-addressing hash table from key id
 * to slot, with columns. `counts` is the records behind each slot's partial; 0 means a fresh slot.
 * Typed columns keep a (key, pane) at about 20 bytes and out of the garbage collector's way.
 */
export class PaneTable {
  readonly layout: Layout;
  keys: Int32Array;
  counts: Float64Array;
  numbers: Float64Array;
  objects: unknown[];
  size = 0;
  #bits: number;

  constructor(layout: Layout, bits = 4) {
    this.layout = layout;
    this.#bits = bits;
    const capacity = 1 << bits;
    this.keys = new Int32Array(capacity).fill(EMPTY);
    this.counts = new Float64Array(capacity);
    this.numbers = new Float64Array(layout === 'number' ? capacity : 0);
    this.objects = layout === 'object' ? new Array<unknown>(capacity) : [];
  }

  get capacity(): number {
    return this.keys.length;
  }

  #home(id: number): number {
    return Math.imul(id, 0x9e3779b1) >>> (32 - this.#bits);
  }

  /** The slot of `id`, or -1. */
  find(id: number): number {
    const mask = this.keys.length - 1;
    for (let slot = this.#home(id); ; slot = (slot + 1) & mask) {
      const key = this.keys[slot] as number;
      if (key === id) return slot;
      if (key === EMPTY) return -1;
    }
  }

  /** The slot of `id`, inserted with count 0 when absent. */
  slot(id: number): number {
    const mask = this.keys.length - 1;
    for (let slot = this.#home(id); ; slot = (slot + 1) & mask) {
      const key = this.keys[slot] as number;
      if (key === id) return slot;
      if (key === EMPTY) {
        if (this.size + 1 > this.keys.length * MAX_LOAD) {
          this.#grow();
          return this.slot(id);
        }
        this.keys[slot] = id;
        this.size++;
        return slot;
      }
    }
  }

  /** Removes `id`, shifting later entries of its probe run back (no tombstones). */
  delete(id: number): void {
    let hole = this.find(id);
    if (hole < 0) return;
    const mask = this.keys.length - 1;
    this.size--;
    for (let next = (hole + 1) & mask; ; next = (next + 1) & mask) {
      const key = this.keys[next] as number;
      if (key === EMPTY) break;
      const home = this.#home(key);
      // Move `next` into the hole unless its home lies cyclically in (hole, next].
      const stays = hole <= next ? home > hole && home <= next : home > hole || home <= next;
      if (stays) continue;
      this.#move(next, hole);
      hole = next;
    }
    this.keys[hole] = EMPTY;
    this.counts[hole] = 0;
    if (this.layout === 'object') this.objects[hole] = undefined;
  }

  #move(from: number, to: number): void {
    this.keys[to] = this.keys[from] as number;
    this.counts[to] = this.counts[from] as number;
    if (this.layout === 'number') this.numbers[to] = this.numbers[from] as number;
    if (this.layout === 'object') this.objects[to] = this.objects[from];
  }

  #grow(): void {
    const { keys, counts, numbers, objects } = this;
    this.#bits++;
    const capacity = 1 << this.#bits;
    this.keys = new Int32Array(capacity).fill(EMPTY);
    this.counts = new Float64Array(capacity);
    this.numbers = new Float64Array(this.layout === 'number' ? capacity : 0);
    this.objects = this.layout === 'object' ? new Array<unknown>(capacity) : [];
    this.size = 0;
    for (let old = 0; old < keys.length; old++) {
      const id = keys[old] as number;
      if (id === EMPTY) continue;
      const slot = this.slot(id);
      this.counts[slot] = counts[old] as number;
      if (this.layout === 'number') this.numbers[slot] = numbers[old] as number;
      if (this.layout === 'object') this.objects[slot] = objects[old];
    }
  }

  /** Calls `fn` with every occupied slot. */
  each(fn: (id: number, slot: number) => void): void {
    const { keys } = this;
    for (let slot = 0; slot < keys.length; slot++) {
      const id = keys[slot] as number;
      if (id !== EMPTY) fn(id, slot);
    }
  }

  snapshot(): PaneTableSnapshot {
    return {
      layout: this.layout,
      bits: this.#bits,
      size: this.size,
      keys: bytesOf(this.keys),
      counts: bytesOf(this.counts),
      numbers: bytesOf(this.numbers),
      objects: this.layout === 'object' ? [...this.objects] : [],
    };
  }

  static restore(snapshot: PaneTableSnapshot): PaneTable {
    const table = new PaneTable(snapshot.layout, snapshot.bits);
    table.keys = new Int32Array(aligned(snapshot.keys));
    table.counts = new Float64Array(aligned(snapshot.counts));
    table.numbers = new Float64Array(aligned(snapshot.numbers));
    if (snapshot.layout === 'object') table.objects = [...snapshot.objects];
    table.size = snapshot.size;
    return table;
  }

  /** Bytes held by the columns (the backing stores, not the object headers). */
  get bytes(): number {
    return this.keys.byteLength + this.counts.byteLength + this.numbers.byteLength + this.objects.length * 8;
  }
}
