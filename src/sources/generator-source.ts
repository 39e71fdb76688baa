// The built-in source without Kafka: hands out offset ranges; the worker slots generate the records.

import { type BatchBudget, shareBudget, UNLIMITED } from '../backpressure/index.ts';
import type { AppSource, BufferedPartition, PartitionWork } from '../coordinator/index.ts';
import { DataSignal } from '../coordinator/index.ts';
import type { Offset, OffsetRange } from '../core/index.ts';
import { toOffset } from '../core/index.ts';
import { CLICK_EVENT_BYTES, GENERATOR_TOPIC, type GeneratorSpec } from '../task/index.ts';

export type GeneratorSourceOptions = {
  readonly spec: GeneratorSpec;
  /** Events per second over all partitions; 0 = as fast as the slots go. */
  readonly ratePerSecond: number;
  /** Per partition; with `bounded`, the source ends there (available-now). */
  readonly eventsPerPartition: number;
  readonly bounded: boolean;
  readonly maxRecordsPerBatch: number;
  /** Over all partitions: each event counts as CLICK_EVENT_BYTES. */
  readonly maxBytesPerBatch: number;
  readonly now?: () => number;
};

/**
 * The built-in source when no Kafka is configured. Records are generated inside the worker slots
 * from (seed, partition, offset): the main thread only hands out offset ranges.
 */
export class GeneratorSource implements AppSource {
  readonly name = 'generator';
  readonly #options: GeneratorSourceOptions;
  readonly #positions: number[];
  readonly #committed: number[];
  readonly #now: () => number;
  readonly #startedAt: number;
  readonly #due = new DataSignal();

  constructor(options: GeneratorSourceOptions) {
    this.#options = options;
    this.#positions = Array.from({ length: options.spec.partitions }, () => 0);
    this.#committed = [...this.#positions];
    this.#now = options.now ?? Date.now;
    this.#startedAt = this.#now();
  }

  async next(budget: BatchBudget = UNLIMITED): Promise<PartitionWork[] | 'end'> {
    const { bounded, eventsPerPartition, maxRecordsPerBatch, maxBytesPerBatch } = this.#options;
    const limit = this.#limit();
    const byBytes = Math.floor(maxBytesPerBatch / CLICK_EVENT_BYTES);
    const shares = shareBudget(
      this.#positions.map((from) => limit - from),
      { ...budget, total: Math.min(budget.total ?? byBytes, byBytes) },
    );
    const work: PartitionWork[] = [];
    let remaining = 0;
    for (let partition = 0; partition < this.#positions.length; partition++) {
      const from = this.#positions[partition] ?? 0;
      const share = shares[partition] ?? 0;
      const count = Math.max(0, Math.min(maxRecordsPerBatch, limit - from, share));
      remaining += Math.max(0, eventsPerPartition - from);
      if (count === 0 && bounded) continue;
      this.#positions[partition] = from + count;
      const range: OffsetRange = {
        topic: GENERATOR_TOPIC,
        partition,
        fromOffset: toOffset(from),
        untilOffset: toOffset(from + count),
      };
      work.push(generatedWork(range));
    }
    if (bounded && remaining === 0) return 'end';
    return work;
  }

  /** Events due by the rate and not handed out yet, up to one batch's worth per partition. */
  waiting(): number {
    const { maxRecordsPerBatch } = this.#options;
    const limit = this.#limit();
    return this.#positions.reduce(
      (sum, position) => sum + Math.max(0, Math.min(maxRecordsPerBatch, limit - position)),
      0,
    );
  }

  /** Waits until the rate lets the next event out (at once without a rate, or with events due). */
  waitForData(timeoutMs: number, signal: AbortSignal): Promise<void> {
    const { ratePerSecond } = this.#options;
    const partitions = this.#positions.length;
    const behind = this.#positions.reduce(
      (min, position) => Math.min(min, position),
      Number.POSITIVE_INFINITY,
    );
    // The rate lets offset `behind` out of every partition once its share of the rate reaches it.
    const dueAt =
      ratePerSecond === 0
        ? this.#now()
        : this.#startedAt + ((behind + 1) * partitions * 1000) / ratePerSecond;
    const waitMs = Math.min(timeoutMs, Math.ceil(dueAt - this.#now()));
    return this.#due.wait(waitMs, signal, this.waiting() > 0 || waitMs <= 0);
  }

  /** The generator fetches nothing: its records are made in the slots. */
  buffered(): readonly BufferedPartition[] {
    return [];
  }

  unavailable(): string | undefined {
    return undefined;
  }

  /** `next()` never waits for data. */
  interrupt(): void {}

  /** Every partition is this instance's from the start, and none is ever revoked. */
  async ready(): Promise<void> {}

  owned(): { topic: string; partition: number }[] {
    return this.#positions.map((_, partition) => ({ topic: GENERATOR_TOPIC, partition }));
  }

  position(topic: string, partition: number): Offset | undefined {
    const position = topic === GENERATOR_TOPIC ? this.#positions[partition] : undefined;
    return position === undefined ? undefined : toOffset(position);
  }

  onRevoking(): void {}

  /** Exactly `ranges` again: events are a function of (seed, partition, offset). */
  async replay(ranges: readonly OffsetRange[]): Promise<PartitionWork[] | undefined> {
    const work: PartitionWork[] = [];
    for (const range of ranges) {
      const position = this.position(range.topic, range.partition);
      if (position !== range.fromOffset) return undefined;
      this.#positions[range.partition] = Number(range.untilOffset);
      work.push(generatedWork(range));
    }
    return work;
  }

  async commit(ranges: readonly OffsetRange[]): Promise<void> {
    for (const range of ranges) this.#committed[range.partition] = Number(range.untilOffset);
  }

  /** Offsets acknowledged so far, per partition (the generator has no broker to commit to). */
  committed(): readonly number[] {
    return this.#committed;
  }

  async close(): Promise<void> {}

  /** The offset each partition may be read up to now: its rate's, and (available-now) its end. */
  #limit(): number {
    const allowed = this.#allowedPerPartition();
    return this.#options.bounded ? Math.min(allowed, this.#options.eventsPerPartition) : allowed;
  }

  #allowedPerPartition(): number {
    const { ratePerSecond } = this.#options;
    if (ratePerSecond === 0) return Number.POSITIVE_INFINITY;
    const elapsed = (this.#now() - this.#startedAt) / 1000;
    return Math.floor((ratePerSecond / this.#positions.length) * elapsed);
  }
}

/** A range of generated events: the slot makes them from (seed, partition, offset). */
export function generatedWork(range: OffsetRange): PartitionWork {
  const { partition } = range;
  const fromOffset = Number(range.fromOffset);
  const count = Number(range.untilOffset) - fromOffset;
  return {
    range,
    records: count,
    task: (info) => ({ type: 'generate', info, partition, fromOffset, count }),
    values: () => [],
    settled: () => {},
  };
}
