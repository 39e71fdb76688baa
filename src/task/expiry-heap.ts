// A min-heap of (time, key): which keys have something due once a watermark passes a time.

/**
 * Keys by the time something of theirs falls due, earliest first. A key may be in it more than
 * once (one entry per value); `due` gives each key once.
 */
export class ExpiryHeap<K> {
  readonly #times: number[] = [];
  readonly #keys: K[] = [];

  get size(): number {
    return this.#times.length;
  }

  push(time: number, key: K): void {
    const times = this.#times;
    const keys = this.#keys;
    let at = times.length;
    times.push(time);
    keys.push(key);
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if ((times[parent] as number) <= time) break;
      times[at] = times[parent] as number;
      keys[at] = keys[parent] as K;
      at = parent;
    }
    times[at] = time;
    keys[at] = key;
  }

  /** Takes out every entry whose time is before `watermark`: their keys, each once, earliest first. */
  due(watermark: number): K[] {
    const out: K[] = [];
    const seen = new Set<K>();
    while (this.#times.length > 0 && (this.#times[0] as number) < watermark) {
      const key = this.#pop();
      if (!seen.has(key)) {
        seen.add(key);
        out.push(key);
      }
    }
    return out;
  }

  #pop(): K {
    const times = this.#times;
    const keys = this.#keys;
    const top = keys[0] as K;
    const lastTime = times.pop() as number;
    const lastKey = keys.pop() as K;
    const size = times.length;
    if (size === 0) return top;
    let at = 0;
    for (;;) {
      const left = 2 * at + 1;
      if (left >= size) break;
      const right = left + 1;
      const child = right < size && (times[right] as number) < (times[left] as number) ? right : left;
      if ((times[child] as number) >= lastTime) break;
      times[at] = times[child] as number;
      keys[at] = keys[child] as K;
      at = child;
    }
    times[at] = lastTime;
    keys[at] = lastKey;
    return top;
  }
}
