// What a slot sends back per exported node: records, keyed partials or groups (Export, KeyGroups).

import { keyIdentity } from '../core/index.ts';
import type { FiredWindow, SessionKeyUpdate } from '../window/index.ts';

/** What a worker sends back for one exported node of one partition batch. */
export type Export =
  | { readonly node: number; readonly kind: 'records'; readonly values: unknown[] }
  | { readonly node: number; readonly kind: 'pairs'; readonly pairs: [unknown, unknown][] }
  | { readonly node: number; readonly kind: 'reduce'; readonly has: boolean; readonly value: unknown }
  | { readonly node: number; readonly kind: 'count'; readonly count: number }
  | {
      readonly node: number;
      readonly kind: 'windows';
      readonly windows: FiredWindow[];
      /**
       * Per window, each pair's state partition (`statePartitionOf`), when the slot knows their
       * count: the main thread routes the pairs without hashing their keys.
       */
      readonly partitions?: number[][];
    }
  /**
   * A session window aggregation: every open session of each key the batch touched, after a batch
   * that ran with watermark `through`, and each key's state partition when the slot knows their count.
   */
  | {
      readonly node: number;
      readonly kind: 'sessions';
      readonly through: number;
      readonly keys: SessionKeyUpdate[];
      readonly partitions?: number[];
    }
  /** A keyed state operation's input: per key (first seen first), its values in record order. */
  | { readonly node: number; readonly kind: 'groups'; readonly groups: [unknown, unknown[]][] }
  /** groupByKey's and cogroup's partial: per key, its values of the left (or only) and right stream. */
  | { readonly node: number; readonly kind: 'groups2'; readonly groups: [unknown, unknown[], unknown[]][] }
  /**
   * The same split by state partition, each part msgpack of its `[key, values][]`: the main
   * thread hands a part to its state partition's slot without decoding it.
   */
  | { readonly node: number; readonly kind: 'stateGroups'; readonly parts: [number, Uint8Array][] }
  /** An output's values as the bytes its sink writes (task/output-encoding.ts). */
  | { readonly node: number; readonly kind: 'encoded'; readonly count: number; readonly bytes: Uint8Array }
  /** A toKafka output's values as record batches, each with its partition of the output topic. */
  | {
      readonly node: number;
      readonly kind: 'kafkaBatches';
      readonly count: number;
      readonly batches: [number, Uint8Array][];
    };

/** Values grouped per key, keys and values in arrival order (object keys go by JSON). */
export class KeyGroups {
  readonly #groups = new Map<unknown, [unknown, unknown[]]>();

  add(key: unknown, value: unknown): void {
    const normalized = keyIdentity(key);
    const group = this.#groups.get(normalized);
    if (group) group[1].push(value);
    else this.#groups.set(normalized, [key, [value]]);
  }

  addAll(key: unknown, values: readonly unknown[]): void {
    const normalized = keyIdentity(key);
    const group = this.#groups.get(normalized);
    if (!group) this.#groups.set(normalized, [key, [...values]]);
    else for (const value of values) group[1].push(value);
  }

  get(normalized: unknown): [unknown, unknown[]] | undefined {
    return this.#groups.get(normalized);
  }

  groups(): [unknown, unknown[]][] {
    return [...this.#groups.values()];
  }

  entries(): IterableIterator<[unknown, [unknown, unknown[]]]> {
    return this.#groups.entries();
  }
}
