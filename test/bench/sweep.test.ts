import { describe, expect, it } from 'vitest';
import { expandSweep, type SweepAxes } from '../../src/bench/sweep.ts';

const NONE: SweepAxes = {
  trigger: [],
  workers: [],
  maxRecords: [],
  maxBytes: [],
  fetchMaxBytes: [],
  backpressure: [],
  guarantee: [],
  sink: [],
  sinkCompression: [],
  targetLatency: [],
};

describe('expandSweep', () => {
  it('makes every combination, the first axis varying slowest, with the variables a user pastes', () => {
    const configs = expandSweep({
      ...NONE,
      trigger: [{ kind: 'micro-batch', intervalMs: 100 }, { kind: 'continuous' }],
      workers: [1, 2],
      guarantee: ['exactly-once'],
      sink: ['kafka'],
    });
    expect(configs).toEqual([
      {
        label: 'micro-batch 100 ms · 1 slot',
        env: {
          SLUICE_TRIGGER: 'micro-batch',
          SLUICE_BATCH_INTERVAL_MS: '100',
          SLUICE_WORKERS: '1',
          SLUICE_GUARANTEE: 'exactly-once',
        },
        axes: { trigger: 'micro-batch 100 ms', workers: 1, guarantee: 'exactly-once', sink: 'kafka' },
      },
      {
        label: 'micro-batch 100 ms · 2 slots',
        env: {
          SLUICE_TRIGGER: 'micro-batch',
          SLUICE_BATCH_INTERVAL_MS: '100',
          SLUICE_WORKERS: '2',
          SLUICE_GUARANTEE: 'exactly-once',
        },
        axes: { trigger: 'micro-batch 100 ms', workers: 2, guarantee: 'exactly-once', sink: 'kafka' },
      },
      {
        label: 'continuous · 1 slot',
        env: { SLUICE_TRIGGER: 'continuous', SLUICE_WORKERS: '1', SLUICE_GUARANTEE: 'exactly-once' },
        axes: { trigger: 'continuous', workers: 1, guarantee: 'exactly-once', sink: 'kafka' },
      },
      {
        label: 'continuous · 2 slots',
        env: { SLUICE_TRIGGER: 'continuous', SLUICE_WORKERS: '2', SLUICE_GUARANTEE: 'exactly-once' },
        axes: { trigger: 'continuous', workers: 2, guarantee: 'exactly-once', sink: 'kafka' },
      },
    ]);
  });

  it('names the axes that vary, in readable units', () => {
    const labels = expandSweep({
      ...NONE,
      maxRecords: [10_000, 2500],
      maxBytes: [4 * 2 ** 20],
      fetchMaxBytes: [512 * 1024, 1000],
      backpressure: [false, true],
      sinkCompression: ['lz4'],
      targetLatency: [],
    }).map((config) => config.label);
    expect(labels.slice(0, 3)).toEqual([
      '≤10k records/batch · fetch 512 KiB · no backpressure',
      '≤10k records/batch · fetch 512 KiB · backpressure',
      '≤10k records/batch · fetch 1000 B · no backpressure',
    ]);
    expect(labels).toHaveLength(8);
    expect(new Set(labels).size).toBe(8);
  });

  it('is one configuration of Sluice defaults when no axis is given', () => {
    expect(expandSweep(NONE)).toEqual([{ label: '', env: {}, axes: {} }]);
  });

  it('sweeps latency targets as SLUICE_TARGET_LATENCY_MS', () => {
    expect(expandSweep({ ...NONE, targetLatency: [0, 50, 200] })).toEqual([
      { label: 'no latency target', env: {}, axes: { targetLatency: 0 } },
      { label: 'target p99 50 ms', env: { SLUICE_TARGET_LATENCY_MS: '50' }, axes: { targetLatency: 50 } },
      { label: 'target p99 200 ms', env: { SLUICE_TARGET_LATENCY_MS: '200' }, axes: { targetLatency: 200 } },
    ]);
  });
});
