import type { Graph, SinkSpec } from './graph.ts';
import type { BatchInfo, Pair } from './types.ts';

export type KafkaOutputOptions<T> = {
  /** How records are spread over the topic's partitions: the article's three strategies. */
  readonly partitioner?: 'murmur2' | 'hash-value' | 'round-robin';
  /** The record key; by default a pair's first element, otherwise none. */
  readonly key?: (value: T) => unknown;
  /** Compression of the batches written, Kafka's `compression.type`: default `none`. */
  readonly compression?: 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';
};

/**
 * A stream of batches of values of type T, with Spark Streaming's operations. Operations before
 * the first aggregation run in the worker slot that owns the partition; aggregations return small
 * per-partition partials that the main thread merges; what follows an aggregation runs on the
 * main thread over the merged result.
 *
 * @example
 * ctx.stream<{ url: string }>().map((r) => r.value.url).countByValue().print(10);
 */
export class DStream<T> {
  readonly #graph: Graph;
  readonly id: number;

  constructor(graph: Graph, id: number) {
    this.#graph = graph;
    this.id = id;
  }

  #next<U>(node: Parameters<Graph['add']>[0]): DStream<U> {
    return new DStream<U>(this.#graph, this.#graph.add(node).id);
  }

  map<U>(fn: (value: T) => U): DStream<U> {
    return this.#next((id) => ({ kind: 'map', id, parent: this.id, fn: fn as (value: never) => unknown }));
  }

  flatMap<U>(fn: (value: T) => Iterable<U>): DStream<U> {
    return this.#next((id) => ({
      kind: 'flatMap',
      id,
      parent: this.id,
      fn: fn as (value: never) => unknown,
    }));
  }

  filter(fn: (value: T) => boolean): DStream<T> {
    return this.#next((id) => ({ kind: 'filter', id, parent: this.id, fn: fn as (value: never) => unknown }));
  }

  /** Pairs `[fn(value), value]`, ready for keyed operations. */
  keyBy<K>(fn: (value: T) => K): DStream<Pair<K, T>> {
    return this.#next((id) => ({ kind: 'keyBy', id, parent: this.id, fn: fn as (value: never) => unknown }));
  }

  mapValues<K, V, U>(this: DStream<Pair<K, V>>, fn: (value: V) => U): DStream<Pair<K, U>> {
    return this.#next((id) => ({
      kind: 'mapValues',
      id,
      parent: this.id,
      fn: fn as (value: never) => unknown,
    }));
  }

  /** Per key, the values of the batch combined with `fn`, which must be associative and commutative. */
  reduceByKey<K, V>(this: DStream<Pair<K, V>>, fn: (a: V, b: V) => V): DStream<Pair<K, V>> {
    return this.#next((id) => ({
      kind: 'reduceByKey',
      id,
      parent: this.id,
      fn: fn as (a: never, b: never) => unknown,
    }));
  }

  /** One value per batch (none for an empty batch): all values combined with an associative, commutative `fn`. */
  reduce(fn: (a: T, b: T) => T): DStream<T> {
    return this.#next((id) => ({
      kind: 'reduce',
      id,
      parent: this.id,
      fn: fn as (a: never, b: never) => unknown,
    }));
  }

  /** One value per batch: how many values it holds. */
  count(): DStream<number> {
    return this.#next((id) => ({ kind: 'count', id, parent: this.id }));
  }

  /** Pairs `[value, occurrences in the batch]`. */
  countByValue(): DStream<Pair<T, number>> {
    return this.#next((id) => ({ kind: 'countByValue', id, parent: this.id }));
  }

  union(...others: readonly DStream<T>[]): DStream<T> {
    const parents = [this.id, ...others.map((other) => other.id)];
    return this.#next((id) => ({ kind: 'union', id, parents }));
  }

  /**
   * A function over a whole batch of values. Before an aggregation it sees one partition's share
   * of the batch (it runs in that partition's worker slot); after one, the merged batch.
   */
  transform<U>(fn: (values: T[], info: BatchInfo) => readonly U[]): DStream<U> {
    return this.#next((id) => ({
      kind: 'transform',
      id,
      parent: this.id,
      fn: fn as (values: never[], info: BatchInfo) => readonly unknown[],
    }));
  }

  /** Prints the first `count` values of every batch to stdout, as Spark's `print()` does. */
  print(count = 10): void {
    this.#output({ type: 'print', count });
  }

  /** Calls `fn` once per batch on the main thread; the batch's offsets are committed after it resolves. */
  foreachBatch(fn: (values: readonly T[], info: BatchInfo) => unknown): void {
    this.#output({
      type: 'foreachBatch',
      fn: fn as (values: readonly unknown[], info: BatchInfo) => unknown,
    });
  }

  /** One JSON Lines file per batch in `dir`, named by batch time and id; a rewritten batch replaces its file. */
  saveAsTextFiles(dir: string): void {
    this.#output({ type: 'saveAsTextFiles', dir });
  }

  /**
   * Writes every value as a JSON record to a Kafka topic.
   *
   * @example
   * counts.toKafka('counts-by-url', { key: ([url]) => url, compression: 'lz4' });
   */
  toKafka(topic: string, options: KafkaOutputOptions<T> = {}): void {
    const sink: SinkSpec = {
      type: 'kafka',
      topic,
      partitioner: options.partitioner ?? 'murmur2',
      ...(options.key ? { key: options.key as (value: never) => unknown } : {}),
      compression: options.compression ?? 'none',
    };
    this.#output(sink);
  }

  #output(sink: SinkSpec): void {
    this.#graph.add((id) => ({ kind: 'output', id, parent: this.id, sink }));
  }
}
