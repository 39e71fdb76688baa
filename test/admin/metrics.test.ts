import { describe, expect, it } from 'vitest';
import { SluiceMetrics } from '../../src/admin/index.ts';
import { withoutNaN } from '../../src/admin/metrics.ts';
import { LatencyHistogram } from '../../src/core/index.ts';
import { batchStats } from './stats.ts';

/** The samples of the exposition as `name{labels}` → value. */
function samples(text: string): Map<string, number> {
  const result = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    result.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return result;
}

describe('SluiceMetrics', () => {
  it('counts the records, errors and batches of the batches it saw', async () => {
    const metrics = new SluiceMetrics();
    metrics.observeBatch(batchStats(0));
    metrics.observeBatch(
      batchStats(1, { consumed: 100, records: 100, late: 0, decodeErrors: 0, deadLettered: 0 }),
    );
    const values = samples(await metrics.text());
    expect(values.get('sluice_records_consumed_total')).toBe(115);
    expect(values.get('sluice_records_processed_total')).toBe(114);
    expect(values.get('sluice_records_late_total')).toBe(2);
    expect(values.get('sluice_records_dead_lettered_total')).toBe(1);
    expect(values.get('sluice_decode_errors_total')).toBe(1);
    expect(values.get('sluice_batches_total')).toBe(2);
    expect(values.get('sluice_last_batch_timestamp_seconds')).toBe(1_700_000_001);
  });

  it('puts delays and durations in seconds into histograms', async () => {
    const metrics = new SluiceMetrics();
    metrics.observeBatch(batchStats(0, { schedulingDelayMs: 20, processingMs: 230 }));
    metrics.observeBatch(batchStats(1, { schedulingDelayMs: 3000, processingMs: 40 }));
    const values = samples(await metrics.text());
    expect(values.get('sluice_batch_scheduling_delay_seconds_sum')).toBeCloseTo(3.02, 9);
    expect(values.get('sluice_batch_scheduling_delay_seconds_count')).toBe(2);
    expect(values.get('sluice_batch_scheduling_delay_seconds_bucket{le="0.025"}')).toBe(1);
    expect(values.get('sluice_batch_scheduling_delay_seconds_bucket{le="2.5"}')).toBe(1);
    expect(values.get('sluice_batch_scheduling_delay_seconds_bucket{le="5"}')).toBe(2);
    expect(values.get('sluice_batch_processing_duration_seconds_sum')).toBeCloseTo(0.27, 9);
    expect(values.get('sluice_batch_processing_duration_seconds_bucket{le="0.05"}')).toBe(1);
    expect(values.get('sluice_batch_processing_duration_seconds_bucket{le="0.25"}')).toBe(2);
    expect(values.get('sluice_batch_total_delay_seconds_sum')).toBeCloseTo(3.29, 9);
    expect(values.get('sluice_batch_total_delay_seconds_bucket{le="0.25"}')).toBe(1);
    expect(values.get('sluice_batch_total_delay_seconds_bucket{le="+Inf"}')).toBe(2);
  });

  it("adds each batch's record latencies to one histogram, and the batch's phases to theirs", async () => {
    const metrics = new SluiceMetrics();
    const first = new LatencyHistogram();
    first.record(800, 3);
    first.record(40_000);
    const second = new LatencyHistogram();
    second.record(3_000_000);
    metrics.observeBatch(batchStats(0, { latency: first, fetchWaitMs: 30 }));
    metrics.observeBatch(batchStats(1, { latency: second, slotsMs: 2000, outputMs: 7 }));
    metrics.observeBatch(batchStats(2));
    const values = samples(await metrics.text());
    const bucket = (le: string) => values.get(`sluice_end_to_end_latency_seconds_bucket{le="${le}"}`);
    expect([
      bucket('0.001'),
      bucket('0.025'),
      bucket('0.05'),
      bucket('2.5'),
      bucket('5'),
      bucket('+Inf'),
    ]).toEqual([3, 3, 4, 4, 5, 5]);
    expect(values.get('sluice_end_to_end_latency_seconds_count')).toBe(5);
    expect(values.get('sluice_end_to_end_latency_seconds_sum')).toBeCloseTo(3.0424, 9);
    expect(values.get('sluice_fetch_wait_seconds_count')).toBe(1);
    expect(values.get('sluice_fetch_wait_seconds_sum')).toBeCloseTo(0.03, 9);
    expect(values.get('sluice_batch_slots_duration_seconds_sum')).toBeCloseTo(2.36, 9);
    expect(values.get('sluice_batch_output_duration_seconds_sum')).toBeCloseTo(0.097, 9);
    expect(metrics.endToEnd.count).toBe(5);
  });

  it('shows no watermark sample until there is one, never NaN', async () => {
    const metrics = new SluiceMetrics();
    metrics.observeBatch(batchStats(0));
    const before = await metrics.text();
    expect(samples(before).has('sluice_watermark_seconds')).toBe(false);
    expect(before).toContain('# TYPE sluice_watermark_seconds gauge');
    metrics.observeBatch(batchStats(1, { watermark: 1_700_000_000_500 }));
    expect(samples(await metrics.text()).get('sluice_watermark_seconds')).toBe(1_700_000_000.5);
  });

  it('shows the backpressure rate of the last batch that had one, no sample before', async () => {
    const metrics = new SluiceMetrics();
    metrics.observeBatch(batchStats(0));
    expect(samples(await metrics.text()).has('sluice_backpressure_rate_records_per_second')).toBe(false);
    metrics.observeBatch(batchStats(1, { rate: 2500 }));
    metrics.observeBatch(batchStats(2));
    expect(samples(await metrics.text()).get('sluice_backpressure_rate_records_per_second')).toBe(2500);
  });

  it('shows the window and keyed state of the last batch that reported it', async () => {
    const metrics = new SluiceMetrics();
    metrics.observeBatch(batchStats(0, { windowState: 120, keyedState: 8 }));
    metrics.observeBatch(batchStats(1, { windowState: 95 }));
    const values = samples(await metrics.text());
    expect(values.get('sluice_state_entries{kind="window"}')).toBe(95);
    expect(values.get('sluice_state_entries{kind="keyed"}')).toBe(8);
  });

  it('reads the buffered records, their bytes and paused partitions of the source when scraped', async () => {
    const metrics = new SluiceMetrics();
    let buffered = [
      { topic: 'clicks', partition: 0, records: 2000, bytes: 20_480_000, paused: true },
      { topic: 'clicks', partition: 1, records: 15, bytes: 150, paused: false },
    ];
    metrics.attach({ buffered: () => buffered });
    let values = samples(await metrics.text());
    expect(values.get('sluice_source_buffered_records{topic="clicks",partition="0"}')).toBe(2000);
    expect(values.get('sluice_source_buffered_records{topic="clicks",partition="1"}')).toBe(15);
    expect(values.get('sluice_source_buffered_bytes{topic="clicks",partition="0"}')).toBe(20_480_000);
    expect(values.get('sluice_source_buffered_bytes{topic="clicks",partition="1"}')).toBe(150);
    expect(values.get('sluice_source_paused_partitions')).toBe(1);
    buffered = [{ topic: 'clicks', partition: 1, records: 0, bytes: 0, paused: false }];
    values = samples(await metrics.text());
    expect(values.has('sluice_source_buffered_records{topic="clicks",partition="0"}')).toBe(false);
    expect(values.has('sluice_source_buffered_bytes{topic="clicks",partition="0"}')).toBe(false);
    expect(values.get('sluice_source_paused_partitions')).toBe(0);
  });

  it('reads lag per topic and partition and slot busy seconds when scraped', async () => {
    const metrics = new SluiceMetrics();
    let lags = [
      { topic: 'clicks', partition: 0, lag: 12n },
      { topic: 'clicks', partition: 1, lag: 0n },
    ];
    let busy = [0, 0];
    metrics.attach({ lag: async () => lags, busySeconds: () => busy });
    let values = samples(await metrics.text());
    expect(values.get('sluice_consumer_lag{topic="clicks",partition="0"}')).toBe(12);
    expect(values.get('sluice_consumer_lag{topic="clicks",partition="1"}')).toBe(0);
    expect(values.get('sluice_slot_busy_seconds_total{slot="0"}')).toBe(0);
    expect(values.get('sluice_slot_busy_seconds_total{slot="1"}')).toBe(0);
    busy = [12.5, 0.25];
    values = samples(await metrics.text());
    expect(values.get('sluice_slot_busy_seconds_total{slot="0"}')).toBe(12.5);
    expect(values.get('sluice_slot_busy_seconds_total{slot="1"}')).toBe(0.25);
    // A partition that left is not reported any more.
    lags = [{ topic: 'clicks', partition: 1, lag: 3n }];
    values = samples(await metrics.text());
    expect(values.has('sluice_consumer_lag{topic="clicks",partition="0"}')).toBe(false);
    expect(values.get('sluice_consumer_lag{topic="clicks",partition="1"}')).toBe(3);
  });

  it("keeps prom-client's standard names for the process metrics, and the sluice_ prefix for Sluice's own", async () => {
    const metrics = new SluiceMetrics({ processMetrics: true });
    const names = (await metrics.registry.getMetricsAsJSON()).map((metric) => metric.name);
    for (const standard of [
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_heap_size_used_bytes',
      'nodejs_eventloop_lag_seconds',
      'nodejs_gc_duration_seconds',
    ])
      expect(names).toContain(standard);
    const own = names.filter((metricName) => !/^(?:process|nodejs)_/.test(metricName));
    expect(own.filter((metricName) => !metricName.startsWith('sluice_'))).toEqual([]);
    expect(names.filter((metricName) => /^sluice_(?:process|nodejs)_/.test(metricName))).toEqual([]);
  });

  it('writes no NaN sample, not even the event-loop lag statistics before the loop delay is sampled', async () => {
    const metrics = new SluiceMetrics({ processMetrics: true });
    // Scraped twice at once: the first resets the loop delay, the second has no sample in it.
    for (const text of [await metrics.text(), await metrics.text()]) {
      expect(text.split('\n').filter((line) => /\bnan\b/i.test(line))).toEqual([]);
      expect(text).toContain('# TYPE nodejs_eventloop_lag_mean_seconds gauge');
    }
  });

  it('leaves out exactly the samples whose value is NaN', () => {
    const exposition = [
      '# HELP lag_mean_seconds The mean.',
      '# TYPE lag_mean_seconds gauge',
      'lag_mean_seconds Nan',
      'heap_bytes{space="new"} NaN',
      'heap_bytes{space="old"} 12',
      'nan_like_total 3',
    ].join('\n');
    expect(withoutNaN(exposition).split('\n')).toEqual([
      '# HELP lag_mean_seconds The mean.',
      '# TYPE lag_mean_seconds gauge',
      'heap_bytes{space="old"} 12',
      'nan_like_total 3',
    ]);
  });

  it('has one help line and type per metric, as Prometheus expects', async () => {
    const text = await new SluiceMetrics().text();
    expect(text).toContain('# TYPE sluice_records_consumed_total counter');
    expect(text).toContain('# TYPE sluice_batch_processing_duration_seconds histogram');
    expect(text).toContain('# TYPE sluice_consumer_lag gauge');
    expect(text).toContain('# TYPE sluice_slot_busy_seconds_total counter');
  });
});
