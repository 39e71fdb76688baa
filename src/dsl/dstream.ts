// DStream: the user API, one method per operator, each adding a typed node to the job graph.

import type { BatchInfo, Pair } from '../core/index.ts';
import { ErrorCode, SluiceError } from '../errors/index.ts';
import {
  type AggregationSpec,
  Aggregations,
  type EmitMode,
  isSessionSpec,
  type LateRecord,
  type SessionResult,
  type SessionWindowSpec,
  type WindowResult,
  type WindowSpec,
  Windows,
} from '../window/index.ts';
import { type AsyncCall, type AsyncOptions, asyncSpec } from './async-spec.ts';
import type { Graph, SinkSpec, WindowAggregateNode } from './graph.ts';
import { type TopicCreation, topicCreation } from './kafka-output-spec.ts';
import { PairOperations } from './pair-operations.ts';
import { type PostgresOutputOptions, postgresSinkSpec } from './postgres-spec.ts';
import { checkTimeout, type MapWithStateSpec, StateSpec } from './state-spec.ts';
import { label, unary } from './stream-core.ts';
import {
  synchronous,
  synchronous2,
  synchronous3,
  synchronousAggregation,
  synchronousIterable,
} from './synchronous.ts';

/** The key and value types of a stream of pairs. */
type PairKey<T> = T extends Pair<infer K, unknown> ? K : never;
type PairValue<T> = T extends Pair<unknown, infer V> ? V : never;

type WindowAggregateFields = Omit<WindowAggregateNode, 'kind' | 'id' | 'parent'>;

/** Sessions combine whole sessions when a record bridges them: the aggregation must merge partials. */
function checkMergeable(operator: string, aggregation: AggregationSpec): void {
  if (aggregation.kind !== 'custom' || typeof aggregation.merge === 'function') return;
  throw new SluiceError(
    ErrorCode.jobInvalid,
    `${operator}: session windows merge the partials of sessions a record bridges; the aggregation needs merge(a, b) (got ${typeof aggregation.merge})`,
  );
}

export type KafkaOutputOptions<T> = {
  /** How records are spread over the topic's partitions: the article's three strategies. */
  readonly partitioner?: 'murmur2' | 'hash-value' | 'round-robin';
  /** The record key; by default a pair's first element, otherwise none. */
  readonly key?: (value: T) => unknown;
  /** Compression of the batches written, Kafka's `compression.type`: default `none`. */
  readonly compression?: 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';
  /** Creates the topic at start when it does not exist (an existing one is used as it is). */
  readonly create?: TopicCreation;
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
export class DStream<T> extends PairOperations<T> {
  protected derive<U>(id: number): DStream<U> {
    return new DStream<U>(this.graph, id);
  }

  // The pair overloads come first: a function returning `[key, value]` makes a stream of pairs,
  // ready for the keyed operations, where TypeScript alone would infer an array type.
  map<K, V>(fn: (value: T) => readonly [K, V]): DStream<Pair<K, V>>;
  map<U>(fn: (value: T) => U): DStream<U>;
  map<U>(fn: (value: T) => U): DStream<U> {
    return this.next((id) => ({ kind: 'map', id, parent: this.id, fn: unary('map', id, fn) }));
  }

  flatMap<K, V>(fn: (value: T) => Iterable<readonly [K, V]>): DStream<Pair<K, V>>;
  flatMap<U>(fn: (value: T) => Iterable<U>): DStream<U>;
  flatMap<U>(fn: (value: T) => Iterable<U>): DStream<U> {
    return this.next((id) => ({
      kind: 'flatMap',
      id,
      parent: this.id,
      fn: synchronousIterable(label('flatMap', id), fn),
    }));
  }

  filter(fn: (value: T) => boolean): DStream<T> {
    return this.next((id) => ({ kind: 'filter', id, parent: this.id, fn: unary('filter', id, fn) }));
  }

  /**
   * Flink's async I/O: `fn(value, { signal, attempt })` for each value, in the partition's worker
   * slot, with up to `concurrency` calls of the partition at once; the results go on in input
   * order, and the batch commits only once every call has settled. A call that throws, rejects or
   * passes `timeoutMs` (its `signal` then aborts) is retried per `retry`, then stops the run
   * (`onError: 'fail'`) or sends its input record to the dead-letter topic (`'dlq'`). Before the
   * first aggregation only (docs/jobs.md, "Asynchronous enrichment").
   *
   * @example
   * clicks.mapAsync(async (r, { signal }) => ({ ...r.value, tier: await tierOf(r.value.user, signal) }), { concurrency: 32, timeoutMs: 2_000 });
   */
  mapAsync<K, V>(
    fn: (value: T, call: AsyncCall) => PromiseLike<readonly [K, V]> | readonly [K, V],
    options?: AsyncOptions,
  ): DStream<Pair<K, V>>;
  mapAsync<U>(fn: (value: T, call: AsyncCall) => U, options?: AsyncOptions): DStream<Awaited<U>>;
  mapAsync<U>(fn: (value: T, call: AsyncCall) => U, options?: AsyncOptions): DStream<Awaited<U>> {
    return this.#async('mapAsync', fn, options);
  }

  /** Keeps the values for which `fn` resolves truthy; calls run as `mapAsync`'s, with its options. */
  filterAsync(
    fn: (value: T, call: AsyncCall) => boolean | PromiseLike<boolean>,
    options?: AsyncOptions,
  ): DStream<T> {
    return this.#async('filterAsync', fn, options);
  }

  #async<U>(
    kind: 'mapAsync' | 'filterAsync',
    fn: (value: T, call: AsyncCall) => unknown,
    options: AsyncOptions | undefined,
  ): DStream<U> {
    return this.next((id) => {
      if (typeof fn !== 'function') {
        throw new SluiceError(
          ErrorCode.jobInvalid,
          `${label(kind, id)}: the first argument must be a function; got ${typeof fn}`,
        );
      }
      const call = fn as (value: unknown, call: AsyncCall) => unknown;
      return { kind, id, parent: this.id, fn: call, options: asyncSpec(label(kind, id), options) };
    });
  }

  /** One value per batch (none for an empty batch): all values combined with an associative, commutative `fn`. */
  reduce(fn: (a: T, b: T) => T): DStream<T> {
    return this.next((id) => ({
      kind: 'reduce',
      id,
      parent: this.id,
      fn: synchronous2(label('reduce', id), fn),
    }));
  }

  /** One value per batch: how many values it holds. */
  count(): DStream<number> {
    return this.next((id) => ({ kind: 'count', id, parent: this.id }));
  }

  /** Pairs `[value, occurrences in the batch]`. */
  countByValue(): DStream<Pair<T, number>> {
    return this.next((id) => ({ kind: 'countByValue', id, parent: this.id }));
  }

  union(...others: readonly DStream<T>[]): DStream<T> {
    const parents = [this.id, ...others.map((other) => other.id)];
    return this.next((id) => ({ kind: 'union', id, parents }));
  }

  /**
   * A function over a whole batch of values. Before an aggregation it sees one partition's share
   * of the batch (it runs in that partition's worker slot); after one, the merged batch.
   */
  transform<U>(fn: (values: T[], info: BatchInfo) => readonly U[]): DStream<U> {
    return this.next((id) => ({
      kind: 'transform',
      id,
      parent: this.id,
      fn: synchronous2(label('transform', id), fn),
    }));
  }

  /**
   * Switches the windows downstream to event time. The event time of a value is `timestamp(value)`
   * (epoch ms), or the Kafka record's timestamp; values derived from it (map, flatMap) keep it.
   * The watermark of a partition is the largest event time seen minus `allowedLatenessMs`; records
   * older than the engine's watermark are late: counted, logged and sent to `lateRecords()`.
   *
   * @example
   * ctx.stream<Click>().withWatermark(5_000, (r) => r.value.ts)
   *   .map((r): [string, number] => [r.value.url, 1])
   *   .windowAggregate(Windows.tumbling(60_000), Aggregations.count());
   */
  withWatermark(allowedLatenessMs: number, timestamp?: (value: T) => number): DStream<T> {
    if (!Number.isSafeInteger(allowedLatenessMs) || allowedLatenessMs < 0) {
      throw new SluiceError(
        ErrorCode.jobInvalid,
        `withWatermark: allowed lateness must be an integer >= 0 of milliseconds; got ${allowedLatenessMs}`,
      );
    }
    return this.next((id) => ({
      kind: 'withWatermark',
      id,
      parent: this.id,
      allowedLatenessMs,
      ...(timestamp ? { timestamp: unary('withWatermark', id, timestamp) } : {}),
    }));
  }

  /**
   * Spark's `window`: every `slideMs`, the values of the last `sizeMs`. Values are kept per pane
   * and re-emitted for each window that holds them; to aggregate, prefer the `...AndWindow`
   * operations, which keep partials instead.
   */
  window(sizeMs: number, slideMs: number = sizeMs): DStream<T> {
    const spec = Windows.sliding(sizeMs, slideMs);
    return this.next((id) => ({ kind: 'window', id, parent: this.id, spec }));
  }

  /** Per window, how many values it holds (Spark's `countByWindow`; 0 for an empty window). */
  countByWindow(sizeMs: number, slideMs: number): DStream<number> {
    return this.#windowed('countByWindow', sizeMs, slideMs, {
      aggregation: Aggregations.count(),
      input: 'single',
      output: 'value',
    });
  }

  /** Per window, its values combined with `fn`; with `invFn`, updated incrementally (Spark's `reduceByWindow`). */
  reduceByWindow(fn: (a: T, b: T) => T, sizeMs: number, slideMs: number): DStream<T>;
  reduceByWindow(
    fn: (a: T, b: T) => T,
    invFn: (a: T, b: T) => T,
    sizeMs: number,
    slideMs: number,
  ): DStream<T>;
  reduceByWindow(
    fn: (a: T, b: T) => T,
    second: number | ((a: T, b: T) => T),
    third: number,
    fourth?: number,
  ): DStream<T> {
    const [inverse, sizeMs, slideMs] =
      typeof second === 'function' ? [second, third, fourth ?? third] : [undefined, second, third];
    return this.#windowed('reduceByWindow', sizeMs, slideMs, {
      aggregation: Aggregations.reduce(fn, inverse),
      input: 'single',
      output: 'value',
    });
  }

  /**
   * Spark's `reduceByKeyAndWindow`: per window, per key, the values combined with `fn`. With
   * `invFn` (the inverse of `fn`) each slide adds the new panes and subtracts the old ones; a key
   * with no records left in the window is dropped, and `filterFn` drops more.
   *
   * @example
   * pairs.reduceByKeyAndWindow((a, b) => a + b, (a, b) => a - b, 30_000, 10_000);
   */
  reduceByKeyAndWindow<K, V>(
    this: DStream<Pair<K, V>>,
    fn: (a: V, b: V) => V,
    sizeMs: number,
    slideMs: number,
  ): DStream<Pair<K, V>>;
  reduceByKeyAndWindow<K, V>(
    this: DStream<Pair<K, V>>,
    fn: (a: V, b: V) => V,
    invFn: (a: V, b: V) => V,
    sizeMs: number,
    slideMs: number,
    filterFn?: (pair: Pair<K, V>) => boolean,
  ): DStream<Pair<K, V>>;
  reduceByKeyAndWindow<K, V>(
    this: DStream<Pair<K, V>>,
    fn: (a: V, b: V) => V,
    second: number | ((a: V, b: V) => V),
    third: number,
    fourth?: number,
    filterFn?: (pair: Pair<K, V>) => boolean,
  ): DStream<Pair<K, V>> {
    const [inverse, sizeMs, slideMs] =
      typeof second === 'function' ? [second, third, fourth ?? third] : [undefined, second, third];
    return this.#windowed('reduceByKeyAndWindow', sizeMs, slideMs, {
      aggregation: Aggregations.reduce(fn, inverse),
      input: 'pairs',
      output: 'pairs',
      ...(filterFn ? { filter: filterFn } : {}),
    });
  }

  /** Per window, pairs `[value, occurrences]` (Spark's `countByValueAndWindow`). */
  countByValueAndWindow(sizeMs: number, slideMs: number): DStream<Pair<T, number>> {
    return this.#windowed('countByValueAndWindow', sizeMs, slideMs, {
      aggregation: Aggregations.count(),
      input: 'values',
      output: 'pairs',
    });
  }

  /**
   * A keyed window aggregation in processing time or, after `withWatermark`, event time. Emits
   * `{ key, windowStart, windowEnd, value }`: in `final` mode once per window when the watermark
   * passes its end (like Kafka Streams' `suppress(untilWindowCloses)`), in `update` mode the
   * windows each batch changed (like Structured Streaming's update mode). With
   * `Windows.session(gapMs)` (event time only), per key, sessions `[first, last + gap)`; in
   * `update` mode a session a record extended or merged is also emitted as a retraction
   * `{ key, windowStart, windowEnd, value: null, retracted: true }` of its old bounds (hence
   * `SessionResult` rows unless `emit` is `final`).
   *
   * @example
   * pairs.windowAggregate(Windows.sliding(10_000, 2_000), Aggregations.max(), { emit: 'update' });
   * clicks.withWatermark(5_000, (r) => r.value.ts).map((r): [string, number] => [r.value.user, 1])
   *   .windowAggregate(Windows.session(30_000), Aggregations.count());
   */
  windowAggregate<K, V, R = number>(
    this: DStream<Pair<K, V>>,
    spec: SessionWindowSpec,
    aggregation: AggregationSpec,
    options?: { readonly emit?: 'final' },
  ): DStream<WindowResult<K, R>>;
  windowAggregate<K, V, R = number>(
    this: DStream<Pair<K, V>>,
    spec: WindowSpec,
    aggregation: AggregationSpec,
    options?: { readonly emit?: EmitMode },
  ): DStream<WindowResult<K, R>>;
  windowAggregate<K, V, R = number>(
    this: DStream<Pair<K, V>>,
    spec: WindowSpec | SessionWindowSpec,
    aggregation: AggregationSpec,
    options?: { readonly emit?: EmitMode },
  ): DStream<SessionResult<K, R>>;
  windowAggregate<K, V, R = number>(
    this: DStream<Pair<K, V>>,
    spec: WindowSpec | SessionWindowSpec,
    aggregation: AggregationSpec,
    options: { readonly emit?: EmitMode } = {},
  ): DStream<WindowResult<K, R> | SessionResult<K, R>> {
    // A spec built by hand (not by Windows.session) is validated like one that was.
    const checked = isSessionSpec(spec) ? Windows.session(spec.gapMs) : spec;
    return this.next((id) => {
      if (isSessionSpec(checked)) checkMergeable(label('windowAggregate', id), aggregation);
      return {
        kind: 'windowAggregate',
        id,
        parent: this.id,
        operator: 'windowAggregate',
        spec: checked,
        aggregation: synchronousAggregation(label('windowAggregate', id), aggregation),
        input: 'pairs',
        output: 'results',
        emit: options.emit ?? 'final',
      };
    });
  }

  /**
   * The records an event-time window operation found late, with their origin and the watermark
   * that made them late; route them to any output (a topic, files, the dead-letter topic).
   */
  lateRecords(): DStream<LateRecord> {
    return this.next((id) => ({ kind: 'lateRecords', id, parent: this.id }));
  }

  #windowed<U>(
    operator: string,
    sizeMs: number,
    slideMs: number,
    fields: Omit<WindowAggregateFields, 'operator' | 'spec' | 'emit' | 'filter'> & {
      readonly filter?: (pair: never) => boolean;
    },
  ): DStream<U> {
    const spec = Windows.sliding(sizeMs, slideMs);
    const { filter, aggregation, input, output } = fields;
    return this.next((id) => ({
      kind: 'windowAggregate',
      id,
      parent: this.id,
      operator,
      spec,
      emit: 'final',
      input,
      output,
      aggregation: synchronousAggregation(label(operator, id), aggregation),
      ...(filter ? { filter: unary(operator, id, filter) } : {}),
    }));
  }

  /**
   * Spark's `updateStateByKey`: every batch, `fn(values, state)` for every key that has values in
   * the batch or has state (then with `values = []`); returning undefined removes the key. Emits
   * the whole state as `[key, state]` pairs each batch. State is kept per state partition in the
   * worker slots, crosses threads and checkpoints as msgpack: keep it plain data (docs/state.md).
   *
   * @example
   * pairs.updateStateByKey<number>((values, total) => (total ?? 0) + values.length);
   */
  updateStateByKey<S>(
    this: DStream<Pair<unknown, unknown>>,
    fn: (values: PairValue<T>[], state: S | undefined) => S | undefined,
  ): DStream<Pair<PairKey<T>, S>> {
    return this.next((id) => ({
      kind: 'updateStateByKey',
      id,
      parent: this.id,
      fn: synchronous2(label('updateStateByKey', id), fn),
    }));
  }

  /**
   * Spark's `mapWithState`: `spec.fn(key, value, state)` once per value, in record order per key;
   * emits what it returns (undefined is dropped). A key without values for longer than
   * `spec.timeoutMs` of batch time gets one last call with value undefined and
   * `state.isTimingOut()`, then its state goes. `stateSnapshots()` streams the state itself.
   *
   * @example
   * pairs.mapWithState({ fn: (key, value, state) => { state.update((state.getOption() ?? 0) + 1); return [key, state.get()]; }, timeoutMs: 60_000 });
   */
  mapWithState<S, U>(
    this: DStream<Pair<unknown, unknown>>,
    spec: MapWithStateSpec<PairKey<T>, PairValue<T>, S, U> | StateSpec<PairKey<T>, PairValue<T>, S, U>,
  ): MapWithStateDStream<PairKey<T>, S, U> {
    const { fn, timeoutMs, initialState } = spec instanceof StateSpec ? spec.spec : spec;
    const node = this.graph.add((id) => ({
      kind: 'mapWithState',
      id,
      parent: this.id,
      fn: synchronous3(label('mapWithState', id), fn),
      ...(timeoutMs === undefined ? {} : { timeoutMs: checkTimeout(timeoutMs) }),
      initialState: [...(initialState ?? [])],
    }));
    return new MapWithStateDStream<PairKey<T>, S, U>(this.graph, node.id);
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
      ...(options.key ? { key: synchronous(`toKafka(${topic}) key`, options.key) } : {}),
      compression: options.compression ?? 'none',
      ...(options.create === undefined ? {} : { create: topicCreation(topic, options.create) }),
    };
    this.#output(sink);
  }

  /**
   * Upserts every value as a row of a PostgreSQL table (`INSERT … ON CONFLICT (keys) DO UPDATE`),
   * one transaction per batch. Window results map to (key, window_start, window_end, value) by
   * default. With `SLUICE_GUARANTEE=exactly-once` the batch's offsets are stored in the same
   * transaction and a batch the table already holds is skipped (docs/sinks.md).
   *
   * @example
   * counts.toPostgres({ table: 'clicks_per_minute', createTable: true });
   */
  toPostgres(options: PostgresOutputOptions<T>): void {
    this.#output(postgresSinkSpec(options));
  }

  #output(sink: SinkSpec): void {
    this.graph.add((id) => ({ kind: 'output', id, parent: this.id, sink }));
  }
}

/** What `mapWithState` returns: the mapped values, and the state as a stream of its own. */
export class MapWithStateDStream<K, S, U> extends DStream<U> {
  readonly #state: Graph;

  constructor(graph: Graph, id: number) {
    super(graph, id);
    this.#state = graph;
  }

  /** Spark's `stateSnapshots`: every batch, every key's state after it as `[key, state]`. */
  stateSnapshots(): DStream<Pair<K, S>> {
    const node = this.#state.add((id) => ({ kind: 'stateSnapshots', id, parent: this.id }));
    return new DStream<Pair<K, S>>(this.#state, node.id);
  }
}
