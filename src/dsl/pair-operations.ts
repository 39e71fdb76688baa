// The keyed operations of a stream of pairs: Spark's PairDStreamFunctions and the joins.
import type { BatchInfo, Pair } from '../core/index.ts';
import { ErrorCode, SluiceError, sampleValue } from '../errors/index.ts';
import type { DStream } from './dstream.ts';
import type { PairJoin } from './graph.ts';
import { type IntervalJoinOptions, intervalOf } from './interval-join-spec.ts';
import { label, StreamCore, unary } from './stream-core.ts';
import { synchronous, synchronous2, synchronous3, synchronousIterable } from './synchronous.ts';
import { Table } from './table.ts';

/**
 * The pair operations of `DStream` (docs/joins.md): per key of a batch, joins per batch, over
 * windows, on event time (interval) and with a table. Their `this` is a stream of pairs.
 */
export abstract class PairOperations<T> extends StreamCore<T> {
  /** Pairs `[fn(value), value]`, ready for keyed operations. */
  keyBy<K>(fn: (value: T) => K): DStream<Pair<K, T>> {
    return this.next((id) => ({ kind: 'keyBy', id, parent: this.id, fn: unary('keyBy', id, fn) }));
  }

  mapValues<K, V, U>(this: DStream<Pair<K, V>>, fn: (value: V) => U): DStream<Pair<K, U>> {
    return this.next((id) => ({
      kind: 'mapValues',
      id,
      parent: this.id,
      fn: unary('mapValues', id, fn),
    }));
  }

  /** Each value of a pair to any number of values, keeping the key: `[k, v]` to `[k, u]` per u of `fn(v)`. */
  flatMapValues<K, V, U>(this: DStream<Pair<K, V>>, fn: (value: V) => Iterable<U>): DStream<Pair<K, U>> {
    return this.next((id) => ({
      kind: 'flatMapValues',
      id,
      parent: this.id,
      fn: synchronousIterable(label('flatMapValues', id), fn),
    }));
  }

  /** Per key, the values of the batch: `[k, [v1, v2, …]]` (their order within a key is not defined). */
  groupByKey<K, V>(this: DStream<Pair<K, V>>): DStream<Pair<K, V[]>> {
    return this.next((id) => ({ kind: 'groupByKey', id, parent: this.id }));
  }

  /**
   * Per key, the values of the batch combined as Spark's combineByKey does: `create` makes a
   * combiner of a key's first value in a partition, `mergeValue` adds the partition's next values,
   * `mergeCombiners` joins the partitions' combiners.
   */
  combineByKey<K, V, C>(
    this: DStream<Pair<K, V>>,
    create: (value: V) => C,
    mergeValue: (combiner: C, value: V) => C,
    mergeCombiners: (a: C, b: C) => C,
  ): DStream<Pair<K, C>> {
    return this.next((id) => ({
      kind: 'combineByKey',
      id,
      parent: this.id,
      create: synchronous(label('combineByKey', id), create),
      mergeValue: synchronous2(label('combineByKey', id), mergeValue),
      mergeCombiners: synchronous2(label('combineByKey', id), mergeCombiners),
    }));
  }

  /** Per key of either stream, the batch's values of both: `[k, [vs, ws]]`. */
  cogroup<K, V, W>(this: DStream<Pair<K, V>>, other: DStream<Pair<K, W>>): DStream<Pair<K, [V[], W[]]>> {
    return this.addCogroup(other, 'cogroup');
  }

  /**
   * Per key in both streams, every pair of their values in the batch: `[k, [v, w]]`. With
   * `{ within: [lowerMs, upperMs] }`, an event-time interval join instead, across batches: a value
   * at event time t meets the other stream's values of its key at t + lowerMs to t + upperMs
   * (both streams after withWatermark; docs/joins.md).
   *
   * @example
   * orders.join(payments, { within: [0, 600_000] }); // payments up to 10 min after the order
   */
  join<K, V, W>(
    this: DStream<Pair<K, V>>,
    other: DStream<Pair<K, W>>,
    options?: IntervalJoinOptions,
  ): DStream<Pair<K, [V, W]>> {
    if (options !== undefined) return this.addIntervalJoin(other, options, false);
    return this.addCogroup(other, 'join');
  }

  /**
   * As `join`, and each value of this stream whose key the other lacks, with `null`. With
   * `within`, a value of this stream that met none by the time the watermark passes its interval.
   */
  leftOuterJoin<K, V, W>(
    this: DStream<Pair<K, V>>,
    other: DStream<Pair<K, W>>,
    options?: IntervalJoinOptions,
  ): DStream<Pair<K, [V, W | null]>> {
    if (options !== undefined) return this.addIntervalJoin(other, options, true);
    return this.addCogroup(other, 'leftOuterJoin');
  }

  /** As `join`, and each value of the other stream whose key this one lacks, with `null`. */
  rightOuterJoin<K, V, W>(
    this: DStream<Pair<K, V>>,
    other: DStream<Pair<K, W>>,
  ): DStream<Pair<K, [V | null, W]>> {
    return this.addCogroup(other, 'rightOuterJoin');
  }

  /** As `join`, and each value of either stream whose key the other lacks, with `null`. */
  fullOuterJoin<K, V, W>(
    this: DStream<Pair<K, V>>,
    other: DStream<Pair<K, W>>,
  ): DStream<Pair<K, [V | null, W | null]>> {
    return this.addCogroup(other, 'fullOuterJoin');
  }

  /** A function of both streams' values of the batch (merged on the main thread). */
  transformWith<U, R>(
    other: DStream<U>,
    fn: (values: T[], others: U[], info: BatchInfo) => readonly R[],
  ): DStream<R> {
    this.sameJob(other, 'transformWith');
    return this.next((id) => ({
      kind: 'transformWith',
      id,
      parents: [this.id, other.id],
      fn: synchronous3(label('transformWith', id), fn),
    }));
  }

  /**
   * A stream–table join (Kafka Streams' `KStream#join(KTable)`): each value meets the table's
   * value of its key as of its batch, the batch's table records applied first: `[k, [v, t]]`;
   * values whose key the table lacks are dropped. Keys compare with the table's record keys
   * (strings).
   *
   * @example
   * orders.map((r) => [r.value.customer, r.value]).joinTable(ctx.table<Customer>('customers'));
   */
  joinTable<V, W>(this: DStream<Pair<string, V>>, table: Table<W>): DStream<Pair<string, [V, W]>> {
    return this.addTableJoin(table, false);
  }

  /** As `joinTable`, and a value whose key the table lacks with `null`: `[k, [v, null]]`. */
  leftJoinTable<V, W>(this: DStream<Pair<string, V>>, table: Table<W>): DStream<Pair<string, [V, W | null]>> {
    return this.addTableJoin(table, true);
  }

  protected addTableJoin<U>(table: Table<unknown>, outer: boolean): DStream<U> {
    const operator = outer ? 'leftJoinTable' : 'joinTable';
    if (!(table instanceof Table) || !table.belongsTo(this.graph)) {
      throw new SluiceError(
        ErrorCode.jobInvalid,
        `${operator}: give a table of the same job, from ctx.table(topic); got ${sampleValue(table)}`,
      );
    }
    return this.next((id) => ({ kind: 'tableJoin', id, parents: [this.id, table.id], outer }));
  }

  protected addIntervalJoin<U>(
    other: DStream<unknown>,
    options: IntervalJoinOptions,
    outer: boolean,
  ): DStream<U> {
    const operator = outer ? 'leftOuterJoin' : 'join';
    this.sameJob(other, operator);
    const [lowerMs, upperMs] = intervalOf(operator, options);
    if (other.id === this.id) {
      throw new SluiceError(
        ErrorCode.jobInvalid,
        `${operator}: an interval join of a stream with itself needs a second stream of it: a.${operator}(a.map((pair) => pair), options)`,
      );
    }
    return this.next((id) => ({
      kind: 'intervalJoin',
      id,
      parents: [this.id, other.id],
      lowerMs,
      upperMs,
      outer,
    }));
  }

  protected addCogroup<U>(other: DStream<unknown>, join: PairJoin): DStream<U> {
    this.sameJob(other, join);
    return this.next((id) => ({ kind: 'cogroup', id, parents: [this.id, other.id], join }));
  }

  /** Per key, the values of the batch combined with `fn`, which must be associative and commutative. */
  reduceByKey<K, V>(this: DStream<Pair<K, V>>, fn: (a: V, b: V) => V): DStream<Pair<K, V>> {
    return this.next((id) => ({
      kind: 'reduceByKey',
      id,
      parent: this.id,
      fn: synchronous2(label('reduceByKey', id), fn),
    }));
  }
}
