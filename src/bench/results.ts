// What `sluice bench` measured: the shape of results.json, read by the report and the charts.

/** One configuration of a sweep: its label and the SLUICE_* variables that make it. */
export type BenchConfig = {
  /** Short and unique within the sweep, e.g. `micro-batch 100 ms · 2 slots`. */
  readonly label: string;
  /** The variables that differ from Sluice's defaults, as a user pastes them. */
  readonly env: Readonly<Record<string, string>>;
  /** The sweep's axes as values, for grouping (e.g. `{ trigger: 'continuous', workers: 2 }`). */
  readonly axes: Readonly<Record<string, string | number>>;
};

/** A median over rounds with its range. */
export type Spread = { readonly median: number; readonly min: number; readonly max: number };

/** Catch-up: the preloaded events read from the start, as fast as the configuration goes. */
export type CatchUpResult = {
  readonly events: number;
  /** Every round's events processed: each must equal `events`. */
  readonly processed: readonly number[];
  readonly eventsPerSecond: Spread;
  /** CPU seconds (user + system, every thread) per million events. */
  readonly cpuSecondsPerMillion: Spread;
  /** Peak resident set size of the process, MiB. */
  readonly peakRssMiB: Spread;
};

/** Latency percentiles and the distribution, in milliseconds. */
export type LatencyFigures = {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
  /** The distribution as `[ms, fraction of records at or below]`, increasing in both; ends at 1. */
  readonly cdf: readonly (readonly [number, number])[];
};

/** Latency mode at one input rate. */
export type RatePoint = {
  /** Percent of the configuration's catch-up capacity. */
  readonly percent: number;
  /** Events per second asked for, and achieved by the producer over the run. */
  readonly targetRate: number;
  readonly producedRate: number;
  readonly produced: number;
  /** Events whose latency was counted: equals `produced` in a run that kept up. */
  readonly processed: number;
  readonly latency: LatencyFigures;
};

export type ConfigResult = {
  readonly config: BenchConfig;
  readonly catchUp?: CatchUpResult;
  readonly rates?: readonly RatePoint[];
  /** Why the configuration has no figures (it failed), when it has none. */
  readonly error?: string;
};

/** The workload every configuration ran. */
export type Workload = {
  readonly job: string;
  readonly events: number;
  readonly partitions: number;
  readonly valueBytes: number;
  readonly compression: string;
  readonly keys: number;
  readonly keySkew: number;
  readonly seed: number;
  /** Seconds each rate of the latency mode produces for. */
  readonly durationSeconds: number;
};

export type BenchResults = {
  readonly version: 1;
  readonly startedAt: string;
  readonly finishedAt: string;
  /** The command line that produced them, to run again. */
  readonly command: string;
  readonly machine: {
    readonly cpus: string;
    readonly cores: number;
    readonly memoryGiB: number;
    readonly node: string;
    readonly sluice: string;
    readonly kafka: string;
    /** 1-minute load average at the start and the end. */
    readonly load: readonly [number, number];
  };
  readonly workload: Workload;
  readonly configs: readonly ConfigResult[];
  /** The same workload on a plain single-threaded kafkajs consumer. */
  readonly reference?: ConfigResult;
};
