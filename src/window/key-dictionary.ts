// Interns keys as small reference-counted integers so panes can be typed-array hash tables.

import { keyIdentity } from '../core/index.ts';

export type KeyDictionarySnapshot = {
  readonly keys: unknown[];
  readonly refs: Uint8Array;
  readonly free: number[];
};

/**
 * Interns keys as small integers, so panes can be typed-array hash tables. A key id lives while
 * something holds it (`retain`/`release`); then its id is reused, so memory follows live keys.
 */
export class KeyDictionary {
  readonly #ids = new Map<unknown, number>();
  #keys: unknown[] = [];
  #normalized: unknown[] = [];
  #refs = new Int32Array(64);
  readonly #free: number[] = [];

  /** The key's id, assigned on first sight; it holds no reference until retained. */
  id(key: unknown): number {
    const normalized = keyIdentity(key);
    const known = this.#ids.get(normalized);
    if (known !== undefined) return known;
    const id = this.#free.pop() ?? this.#keys.length;
    if (id >= this.#refs.length) {
      const grown = new Int32Array(this.#refs.length * 2);
      grown.set(this.#refs);
      this.#refs = grown;
    }
    this.#keys[id] = key;
    this.#normalized[id] = normalized;
    this.#refs[id] = 0;
    this.#ids.set(normalized, id);
    return id;
  }

  /** The key in the form it was first seen. */
  key(id: number): unknown {
    return this.#keys[id];
  }

  retain(id: number): void {
    this.#refs[id] = (this.#refs[id] ?? 0) + 1;
  }

  release(id: number): void {
    const refs = (this.#refs[id] ?? 1) - 1;
    this.#refs[id] = refs;
    if (refs > 0) return;
    this.#ids.delete(this.#normalized[id]);
    this.#keys[id] = undefined;
    this.#normalized[id] = undefined;
    this.#free.push(id);
  }

  snapshot(): KeyDictionarySnapshot {
    const refs = this.#refs.subarray(0, this.#keys.length);
    return { keys: [...this.#keys], refs: new Uint8Array(refs.slice().buffer), free: [...this.#free] };
  }

  static restore(snapshot: KeyDictionarySnapshot): KeyDictionary {
    const dict = new KeyDictionary();
    const free = new Set(snapshot.free);
    // A copy (not `slice()`, a view on a Buffer): the bytes may sit unaligned in a larger buffer.
    const refs = new Int32Array(new Uint8Array(snapshot.refs).buffer);
    dict.#keys = [...snapshot.keys];
    dict.#normalized = dict.#keys.map((key, id) => (free.has(id) ? undefined : keyIdentity(key)));
    dict.#refs = new Int32Array(Math.max(64, refs.length * 2));
    dict.#refs.set(refs);
    for (const id of snapshot.free) dict.#free.push(id);
    for (let id = 0; id < dict.#keys.length; id++) {
      if (!free.has(id)) dict.#ids.set(dict.#normalized[id], id);
    }
    return dict;
  }

  /** Keys currently held. */
  get size(): number {
    return this.#ids.size;
  }
}
