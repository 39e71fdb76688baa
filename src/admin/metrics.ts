// Sluice's Prometheus metrics: per-batch counters and delay histograms; lag and slot busy time read at scrape.

import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { BatchStats, BufferedPartition } from '../coordinator/index.ts';
import { LatencyHistogram } from '../core/index.ts';
import { latencyExposition } from './latency-exposition.ts';
import { DELAY_BUCKETS_SECONDS, METRIC_PREFIX } from './options.ts';
import type { LagSource } from './types.ts';

export type MetricsOptions = {
  /**
   * Also prom-client's Node process metrics (CPU, memory, event loop, GC) under their standard
   * names (`process_cpu_seconds_total`, `nodejs_heap_size_used_bytes`, …), which stock Node.js
   * dashboards and alerts query.
   */
  readonly processMetrics?: boolean;
};

/** What the metrics read at scrape time; set once the app runs. */
export type ScrapeSources = {
  readonly lag?: LagSource;
  /** Per slot, the fraction of the time it was busy since it started (`/api/status`). */
  readonly utilization?: () => readonly number[];
  /** Per slot, the seconds it was busy since it started: never decreasing. */
  readonly busySeconds?: () => readonly number[];
  /** Per owned partition, the records fetched and waiting for a batch, and whether it is paused. */
  readonly buffered?: () => readonly BufferedPartition[];
};

const name = (suffix: string): string => `${METRIC_PREFIX}${suffix}`;

/**
 * Sluice's Prometheus metrics, in a registry of its own. Batch figures come from the engine's
 * per-batch stats; lag and slot busy time are read when scraped. Labels stay bounded: topic,
 * partition and slot, never a record key.
 */
export class SluiceMetrics {
  readonly registry = new Registry();
  #sources: ScrapeSources = {};
  readonly #consumed: Counter;
  readonly #processed: Counter;
  readonly #late: Counter;
  readonly #deadLettered: Counter;
  readonly #decodeErrors: Counter;
  readonly #batches: Counter;
  readonly #schedulingDelay: Histogram;
  readonly #processing: Histogram;
  readonly #totalDelay: Histogram;
  readonly #slotsDuration: Histogram;
  readonly #outputDuration: Histogram;
  readonly #fetchWait: Histogram;
  readonly #endToEnd = new LatencyHistogram();
  readonly #lastBatch: Gauge;
  readonly #state: Gauge;
  /** Seconds since the epoch; unset before any event time. */
  #watermark: number | undefined;
  /** Unset without backpressure or before its first estimate. */
  #rate: number | undefined;

  constructor(options: MetricsOptions = {}) {
    const registers = [this.registry];
    const counter = (suffix: string, help: string): Counter =>
      new Counter({ name: name(suffix), help, registers });
    const histogram = (suffix: string, help: string): Histogram =>
      new Histogram({ name: name(suffix), help, buckets: [...DELAY_BUCKETS_SECONDS], registers });
    this.#consumed = counter('records_consumed_total', 'Records taken from the source into batches.');
    this.#processed = counter('records_processed_total', 'Records the worker slots ran through the job.');
    this.#late = counter(
      'records_late_total',
      'Records event-time windows and interval joins found older than the watermark.',
    );
    this.#deadLettered = counter(
      'records_dead_lettered_total',
      'Records written to the dead-letter topic (undecodable or late).',
    );
    this.#decodeErrors = counter('decode_errors_total', 'Records whose value could not be decoded.');
    this.#batches = counter('batches_total', 'Batches completed: outputs written and offsets committed.');
    this.#schedulingDelay = histogram(
      'batch_scheduling_delay_seconds',
      'From the batch time to the start of its processing (Spark: scheduling delay).',
    );
    this.#processing = histogram(
      'batch_processing_duration_seconds',
      'From the start of a batch to its outputs written and its offsets committed (Spark: processing time).',
    );
    this.#totalDelay = histogram(
      'batch_total_delay_seconds',
      'Scheduling delay plus processing time (Spark: total delay).',
    );
    this.#slotsDuration = histogram(
      'batch_slots_duration_seconds',
      'Of the processing time: from the start of a batch until every worker slot returned its result.',
    );
    this.#outputDuration = histogram(
      'batch_output_duration_seconds',
      'Of the processing time: merging and writing the outputs (under exactly-once, until the transaction committed).',
    );
    this.#fetchWait = histogram(
      'fetch_wait_seconds',
      "Per batch, the longest one of its records waited in the source's fetch buffer.",
    );
    this.#lastBatch = new Gauge({
      name: name('last_batch_timestamp_seconds'),
      help: 'Batch time of the last completed batch, in seconds since the epoch.',
      registers,
    });
    this.#state = new Gauge({
      name: name('state_entries'),
      help: 'State held after the last batch: keys of window aggregations (or records of window()) in the slots, kind="window"; keys of updateStateByKey/mapWithState, kind="keyed".',
      labelNames: ['kind'],
      registers,
    });
    // Unknown values are left out of the exposition rather than written as NaN.
    const known = (suffix: string, help: string, read: () => number | undefined): void => {
      new Gauge({
        name: name(suffix),
        help,
        registers,
        collect() {
          const value = read();
          if (value === undefined) this.remove();
          else this.set(value);
        },
      });
    };
    known(
      'watermark_seconds',
      'Event-time watermark of the last batch, in seconds since the epoch (no sample before any event time).',
      () => this.#watermark,
    );
    known(
      'backpressure_rate_records_per_second',
      'The rate backpressure holds batches to, over all partitions (no sample without SLUICE_BACKPRESSURE or before the first estimate).',
      () => this.#rate,
    );
    const sources = (): ScrapeSources => this.#sources;
    new Gauge({
      name: name('consumer_lag'),
      help: "Records between the group's committed offset and the high watermark, per owned partition.",
      labelNames: ['topic', 'partition'],
      registers,
      async collect() {
        const read = sources().lag;
        const lags = read ? await read() : [];
        // Partitions that left this instance drop out of the next scrape.
        this.reset();
        for (const { topic, partition, lag } of lags)
          this.set({ topic, partition: String(partition) }, Number(lag));
      },
    });
    new Counter({
      name: name('slot_busy_seconds_total'),
      help: 'Seconds each worker slot had a task in hand since it started; rate() of it is the busy share.',
      labelNames: ['slot'],
      registers,
      collect() {
        // The slots keep the total: the counter shows it as it stands.
        this.reset();
        const slots = sources().busySeconds?.() ?? [];
        for (const [slot, seconds] of slots.entries()) this.inc({ slot: String(slot) }, seconds);
      },
    });
    new Gauge({
      name: name('source_buffered_records'),
      help: 'Records fetched from Kafka and waiting for a batch, per owned partition.',
      labelNames: ['topic', 'partition'],
      registers,
      collect() {
        this.reset();
        for (const { topic, partition, records } of sources().buffered?.() ?? [])
          this.set({ topic, partition: String(partition) }, records);
      },
    });
    new Gauge({
      name: name('source_buffered_bytes'),
      help: 'Bytes of the keys, values and headers of the records waiting for a batch, per owned partition.',
      labelNames: ['topic', 'partition'],
      registers,
      collect() {
        this.reset();
        for (const { topic, partition, bytes } of sources().buffered?.() ?? [])
          this.set({ topic, partition: String(partition) }, bytes);
      },
    });
    new Gauge({
      name: name('source_paused_partitions'),
      help: 'Owned partitions whose fetching is paused because their buffer is full.',
      registers,
      collect() {
        this.set((sources().buffered?.() ?? []).filter((item) => item.paused).length);
      },
    });
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  /** Where lag and slot busy time are read from at scrape time. */
  attach(sources: ScrapeSources): void {
    this.#sources = { ...this.#sources, ...sources };
  }

  observeBatch(stats: BatchStats): void {
    this.#batches.inc();
    this.#consumed.inc(stats.consumed);
    this.#processed.inc(stats.records);
    this.#late.inc(stats.late);
    this.#deadLettered.inc(stats.deadLettered);
    this.#decodeErrors.inc(stats.decodeErrors);
    this.#schedulingDelay.observe(stats.schedulingDelayMs / 1000);
    this.#processing.observe(stats.processingMs / 1000);
    this.#totalDelay.observe((stats.schedulingDelayMs + stats.processingMs) / 1000);
    this.#slotsDuration.observe(stats.slotsMs / 1000);
    this.#outputDuration.observe(stats.outputMs / 1000);
    if (stats.fetchWaitMs !== undefined) this.#fetchWait.observe(stats.fetchWaitMs / 1000);
    if (stats.latency) this.#endToEnd.merge(stats.latency);
    this.#lastBatch.set(stats.info.time / 1000);
    if (Number.isFinite(stats.watermark)) this.#watermark = stats.watermark / 1000;
    if (stats.rate !== undefined && Number.isFinite(stats.rate)) this.#rate = stats.rate;
    if (stats.windowState !== undefined) this.#state.set({ kind: 'window' }, stats.windowState);
    if (stats.keyedState !== undefined) this.#state.set({ kind: 'keyed' }, stats.keyedState);
  }

  /** Every record's end-to-end latency since the start (µs): read it, do not change it. */
  get endToEnd(): LatencyHistogram {
    return this.#endToEnd;
  }

  /** The Prometheus text exposition of every metric, without a NaN sample. */
  async text(): Promise<string> {
    return `${withoutNaN(await this.registry.metrics())}
${latencyExposition(this.#endToEnd)}`;
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

/**
 * The exposition without samples whose value is NaN. prom-client writes NaN as `Nan`, and its
 * event-loop lag statistics are NaN until the loop delay has been sampled (again after each
 * scrape resets them); a series with no sample is how Prometheus says "not known".
 */
export function withoutNaN(exposition: string): string {
  return exposition
    .split('\n')
    .filter((line) => line.startsWith('#') || !/ (?:Nan|NaN)$/.test(line))
    .join('\n');
}
