// A sweep: every combination of the values a user tunes, each as a configuration with its SLUICE_* variables and a label.

import type { BenchConfig } from './results.ts';

/** A trigger as the sweep names it: `micro-batch:<ms>` or `continuous`. */
export type TriggerChoice =
  | { readonly kind: 'micro-batch'; readonly intervalMs: number }
  | { readonly kind: 'continuous' };

/** The values of each axis; an axis left empty keeps Sluice's default and is not varied. */
export type SweepAxes = {
  readonly trigger: readonly TriggerChoice[];
  readonly workers: readonly number[];
  readonly maxRecords: readonly number[];
  readonly maxBytes: readonly number[];
  readonly fetchMaxBytes: readonly number[];
  readonly backpressure: readonly boolean[];
  readonly guarantee: readonly ('at-least-once' | 'exactly-once')[];
  readonly sink: readonly ('file' | 'kafka')[];
  readonly sinkCompression: readonly string[];
  /** SLUICE_TARGET_LATENCY_MS values, 0 for none (latency mode only: catch-up runs available-now). */
  readonly targetLatency: readonly number[];
};

type Axis = {
  readonly name: keyof SweepAxes;
  readonly env: (value: never) => Record<string, string>;
  readonly label: (value: never) => string;
};

const AXES: readonly Axis[] = [
  {
    name: 'trigger',
    env: (value: TriggerChoice) =>
      value.kind === 'continuous'
        ? { SLUICE_TRIGGER: 'continuous' }
        : { SLUICE_TRIGGER: 'micro-batch', SLUICE_BATCH_INTERVAL_MS: String(value.intervalMs) },
    label: (value: TriggerChoice) => triggerName(value),
  },
  {
    name: 'workers',
    env: (value: number) => ({ SLUICE_WORKERS: String(value) }),
    label: (value: number) => `${value} slot${value === 1 ? '' : 's'}`,
  },
  {
    name: 'maxRecords',
    env: (value: number) => ({ SLUICE_MAX_RECORDS_PER_BATCH: String(value) }),
    label: (value: number) => `≤${compact(value)} records/batch`,
  },
  {
    name: 'maxBytes',
    env: (value: number) => ({ SLUICE_MAX_BYTES_PER_BATCH: String(value) }),
    label: (value: number) => `≤${bytes(value)}/batch`,
  },
  {
    name: 'fetchMaxBytes',
    env: (value: number) => ({ SLUICE_FETCH_MAX_BYTES: String(value) }),
    label: (value: number) => `fetch ${bytes(value)}`,
  },
  {
    name: 'backpressure',
    env: (value: boolean) => ({ SLUICE_BACKPRESSURE: String(value) }),
    label: (value: boolean) => (value ? 'backpressure' : 'no backpressure'),
  },
  {
    name: 'guarantee',
    env: (value: string) => ({ SLUICE_GUARANTEE: value }),
    label: (value: string) => value,
  },
  {
    // The sink's address is the run's own (a temp dir, a fresh topic): the bench fills it in.
    name: 'sink',
    env: () => ({}),
    label: (value: string) => `to ${value === 'file' ? 'files' : 'Kafka'}`,
  },
  {
    name: 'sinkCompression',
    env: (value: string) => ({ SLUICE_SINK_COMPRESSION: value }),
    label: (value: string) => `sink ${value}`,
  },
  {
    name: 'targetLatency',
    env: (value: number): Record<string, string> =>
      value > 0 ? { SLUICE_TARGET_LATENCY_MS: String(value) } : {},
    label: (value: number) => (value > 0 ? `target p99 ${value} ms` : 'no latency target'),
  },
];

/** `micro-batch 100 ms` or `continuous`. */
export function triggerName(trigger: TriggerChoice): string {
  return trigger.kind === 'continuous' ? 'continuous' : `micro-batch ${trigger.intervalMs} ms`;
}

/**
 * Every combination of the axes' values, in order (the first axis varies slowest). A label names
 * the values of the axes that vary, and the trigger and slots always, so that a row reads alone.
 */
export function expandSweep(axes: SweepAxes): BenchConfig[] {
  let combos: { env: Record<string, string>; axes: Record<string, string | number>; parts: string[] }[] = [
    { env: {}, axes: {}, parts: [] },
  ];
  for (const axis of AXES) {
    const values = axes[axis.name] as readonly unknown[];
    if (values.length === 0) continue;
    const named = values.length > 1 || axis.name === 'trigger' || axis.name === 'workers';
    combos = combos.flatMap((combo) =>
      values.map((value) => ({
        env: { ...combo.env, ...axis.env(value as never) },
        axes: { ...combo.axes, [axis.name]: axisValue(axis.name, value) },
        parts: named ? [...combo.parts, axis.label(value as never)] : combo.parts,
      })),
    );
  }
  return combos.map((combo) => ({ label: combo.parts.join(' · '), env: combo.env, axes: combo.axes }));
}

function axisValue(name: keyof SweepAxes, value: unknown): string | number {
  if (name === 'trigger') return triggerName(value as TriggerChoice);
  if (typeof value === 'number' || typeof value === 'string') return value;
  return String(value);
}

function compact(value: number): string {
  return value >= 1000 && value % 1000 === 0 ? `${value / 1000}k` : String(value);
}

function bytes(value: number): string {
  if (value >= 2 ** 20 && value % 2 ** 20 === 0) return `${value / 2 ** 20} MiB`;
  if (value >= 1024 && value % 1024 === 0) return `${value / 1024} KiB`;
  return `${value} B`;
}
