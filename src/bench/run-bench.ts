// `sluice bench`: a broker, the preloaded topic, every configuration's catch-up and latency runs, and the kafkajs reference.

import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import type { Compression, KafkaSecurityConfig } from '../config/index.ts';
import { ErrorCode, errorText, SluiceError } from '../errors/index.ts';
import { cpuModel } from './machine.ts';
import {
  type CatchUpRound,
  catchUpEnv,
  catchUpOnce,
  type LatencyRound,
  latencyOnce,
  type MeasureContext,
  referenceCatchUp,
  referenceLatency,
  WARM_UP_SECONDS,
} from './measure.ts';
import type {
  BenchConfig,
  BenchResults,
  CatchUpResult,
  ConfigResult,
  RatePoint,
  Workload,
} from './results.ts';
import { spreadOf } from './spread.ts';
import { benchKafka, preload } from './topics.ts';

export type BenchPlan = {
  /** SLUICE_BROKERS; undefined: a local broker is started for the run (and stopped after). */
  readonly brokers: string | undefined;
  readonly security: KafkaSecurityConfig;
  readonly catchUp: boolean;
  readonly latency: boolean;
  /** Latency without catch-up: the capacity rates are percentages of (events/s). */
  readonly capacity: number | undefined;
  readonly workload: Workload & { readonly compression: Compression };
  readonly configs: readonly BenchConfig[];
  /** Percentages of each configuration's catch-up capacity. */
  readonly rates: readonly number[];
  readonly rounds: number;
  readonly reference: boolean;
  readonly maxMinutes: number;
  readonly command: string;
  /** The version reported with the results. */
  readonly sluiceVersion: string;
};

export type BenchIo = {
  /** One line per step: what runs now, how far, how long is left. */
  readonly progress: (line: string) => void;
  readonly log: (line: string) => void;
};

/** Guesses for the estimate, from this machine (2 cores): start-up and join, and a slow rate. */
const START_SECONDS = 6;
const SLOW_EVENTS_PER_SECOND = 100_000;
const PRELOAD_EVENTS_PER_SECOND = 60_000;

type Step = { readonly label: string; readonly seconds: number; readonly run: () => Promise<void> };

/** Minutes the plan should take on this machine, from START_SECONDS and SLOW_EVENTS_PER_SECOND. */
export function estimateMinutes(plan: BenchPlan): number {
  const { events, durationSeconds } = plan.workload;
  const catchUps = plan.catchUp
    ? plan.rounds * (catchUpKeys(plan.configs).size + (plan.reference ? 1 : 0))
    : 0;
  const latencyRuns = plan.latency ? plan.rates.length * (plan.configs.length + (plan.reference ? 1 : 0)) : 0;
  const seconds =
    (plan.catchUp ? events / PRELOAD_EVENTS_PER_SECOND : 0) +
    catchUps * (START_SECONDS + events / SLOW_EVENTS_PER_SECOND) +
    latencyRuns * latencySeconds(durationSeconds);
  return seconds / 60;
}

/** Throws SLUICE_USAGE when the plan's estimate passes its `maxMinutes`; returns the estimate. */
export function checkEstimate(plan: BenchPlan): number {
  const estimate = estimateMinutes(plan);
  if (estimate > plan.maxMinutes) {
    throw new SluiceError(
      ErrorCode.usage,
      `this sweep would take about ${Math.ceil(estimate)} minutes, more than --max-minutes ${plan.maxMinutes}: fewer configurations, rates, rounds or events, a shorter --duration, or a larger --max-minutes`,
    );
  }
  return estimate;
}

/** A latency run: start-up, warm-up, the measured span and the drains after both. */
function latencySeconds(durationSeconds: number): number {
  return START_SECONDS + WARM_UP_SECONDS + durationSeconds + 2;
}

/**
 * Configurations that differ only in their trigger or latency target catch up alike: catch-up runs
 * available-now, which has no interval and takes no latency target.
 */
function catchUpKey(config: BenchConfig): string {
  return JSON.stringify({ ...catchUpEnv(config.env), sink: config.axes.sink ?? 'file' });
}

function catchUpKeys(configs: readonly BenchConfig[]): Map<string, BenchConfig> {
  const keys = new Map<string, BenchConfig>();
  for (const config of configs) if (!keys.has(catchUpKey(config))) keys.set(catchUpKey(config), config);
  return keys;
}

/**
 * Runs the plan and returns what it measured. Refuses (SLUICE_USAGE) a plan whose estimate passes
 * `maxMinutes`. Catch-up rounds are interleaved (each round runs every configuration once), so
 * that a change in the machine's load spreads over all of them. A configuration that fails keeps
 * its error and the sweep goes on.
 */
export async function runBench(plan: BenchPlan, io: BenchIo): Promise<BenchResults> {
  checkEstimate(plan);
  const startedAt = new Date().toISOString();
  const loadAtStart = loadavg()[0] ?? 0;
  const broker = await acquireBroker(plan.brokers, io.log);
  try {
    const kafka = benchKafka(broker.bootstrap, plan.security, 'sluice-bench');
    const { workload } = plan;
    const shape = {
      keys: workload.keys,
      keySkew: workload.keySkew,
      valueBytes: workload.valueBytes,
      seed: workload.seed,
    };
    const context: MeasureContext = {
      brokers: broker.bootstrap,
      kafka,
      job: workload.job,
      shape,
      partitions: workload.partitions,
      compression: workload.compression,
      log: io.log,
    };
    const catchUps = new Map<string, CatchUpRound[]>();
    const referenceRounds: CatchUpRound[] = [];
    /** Catch-up failures, by the catch-up they share; latency failures, by configuration. */
    const errors = new Map<string, string>();
    const latencyErrors = new Map<BenchConfig, string>();
    const latencies = new Map<BenchConfig | 'reference', RatePoint[]>();
    const steps: Step[] = [];
    let topic = '';
    if (plan.catchUp) {
      steps.push({
        label: `preloading ${workload.events.toLocaleString('en-US')} events`,
        seconds: workload.events / PRELOAD_EVENTS_PER_SECOND,
        run: async () => {
          const loaded = await preload(
            kafka,
            {
              ...shape,
              events: workload.events,
              partitions: workload.partitions,
              compression: workload.compression,
            },
            io.log,
          );
          topic = loaded.topic;
          if (loaded.reused) io.log(`${topic} holds the events already: reused`);
        },
      });
      const seconds = START_SECONDS + workload.events / SLOW_EVENTS_PER_SECOND;
      for (let round = 1; round <= plan.rounds; round++) {
        for (const [key, config] of catchUpKeys(plan.configs)) {
          steps.push({
            label: `catch-up round ${round}/${plan.rounds} · ${config.label}`,
            seconds,
            run: async () => {
              if (errors.has(key)) return;
              try {
                const result = await catchUpOnce(context, config, topic);
                catchUps.set(key, [...(catchUps.get(key) ?? []), result]);
              } catch (error) {
                errors.set(key, errorText(error));
              }
            },
          });
        }
        if (plan.reference) {
          steps.push({
            label: `catch-up round ${round}/${plan.rounds} · kafkajs reference`,
            seconds,
            run: async () => {
              referenceRounds.push(await referenceCatchUp(context, topic, workload.events));
            },
          });
        }
      }
    }
    const capacityOf = (rounds: readonly CatchUpRound[] | undefined): number | undefined =>
      plan.capacity ??
      (rounds && rounds.length > 0 ? spreadOf(rounds.map((r) => r.eventsPerSecond)).median : undefined);
    if (plan.latency) {
      const targets: (BenchConfig | 'reference')[] = [
        ...plan.configs,
        ...(plan.reference ? (['reference'] as const) : []),
      ];
      for (const target of targets) {
        for (const percent of plan.rates) {
          const label = target === 'reference' ? 'kafkajs reference' : target.label;
          steps.push({
            label: `latency ${percent} % · ${label}`,
            seconds: latencySeconds(workload.durationSeconds),
            run: async () => {
              const key = target === 'reference' ? 'reference' : catchUpKey(target);
              if (errors.has(key) || (target !== 'reference' && latencyErrors.has(target))) return;
              const capacity = capacityOf(target === 'reference' ? referenceRounds : catchUps.get(key));
              if (capacity === undefined) return;
              const rate = Math.max(1, Math.round((capacity * percent) / 100));
              try {
                const round: LatencyRound =
                  target === 'reference'
                    ? await referenceLatency(context, rate, workload.durationSeconds)
                    : await latencyOnce(context, target, rate, workload.durationSeconds);
                latencies.set(target, [
                  ...(latencies.get(target) ?? []),
                  { percent, targetRate: rate, ...round },
                ]);
              } catch (error) {
                if (target === 'reference') throw error;
                // Its other rates are left out; the configurations that share its catch-up go on.
                latencyErrors.set(target, errorText(error));
              }
            },
          });
        }
      }
    }
    await runSteps(steps, io);

    const configs: ConfigResult[] = plan.configs.map((config) => {
      const key = catchUpKey(config);
      const rounds = catchUps.get(key);
      const error = errors.get(key) ?? latencyErrors.get(config);
      const rates = latencies.get(config);
      return {
        config,
        ...(rounds && rounds.length > 0 ? { catchUp: catchUpResult(rounds, workload.events) } : {}),
        ...(rates ? { rates } : {}),
        ...(error === undefined ? {} : { error }),
      };
    });
    const referenceRates = latencies.get('reference');
    const reference: ConfigResult | undefined = plan.reference
      ? {
          config: { label: 'kafkajs (1 thread)', env: {}, axes: { workers: 1 } },
          ...(referenceRounds.length > 0 ? { catchUp: catchUpResult(referenceRounds, workload.events) } : {}),
          ...(referenceRates ? { rates: referenceRates } : {}),
        }
      : undefined;
    return {
      version: 1,
      startedAt,
      finishedAt: new Date().toISOString(),
      command: plan.command,
      machine: {
        cpus: cpuModel(),
        cores: availableParallelism(),
        memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
        node: process.version,
        sluice: plan.sluiceVersion,
        kafka: broker.version,
        load: [round2(loadAtStart), round2(loadavg()[0] ?? 0)],
      },
      workload,
      configs,
      ...(reference ? { reference } : {}),
    };
  } finally {
    await broker.stop();
  }
}

/** Runs the steps in order, saying before each which it is, how long the run took so far and how long is left. */
async function runSteps(steps: readonly Step[], io: BenchIo): Promise<void> {
  const total = steps.reduce((sum, step) => sum + step.seconds, 0);
  const started = performance.now();
  let planned = 0;
  for (const [index, step] of steps.entries()) {
    const elapsed = (performance.now() - started) / 1000;
    // The estimate's scale, corrected by how fast the steps so far went.
    const pace = planned > 0 ? elapsed / planned : 1;
    const left = (total - planned) * pace;
    io.progress(
      `[${index + 1}/${steps.length}] ${step.label} — elapsed ${duration(elapsed)}, about ${duration(left)} left`,
    );
    await step.run();
    planned += step.seconds;
  }
}

function catchUpResult(rounds: readonly CatchUpRound[], events: number): CatchUpResult {
  return {
    events,
    processed: rounds.map((round) => round.processed),
    eventsPerSecond: spreadOf(rounds.map((round) => round.eventsPerSecond)),
    cpuSecondsPerMillion: spreadOf(rounds.map((round) => (round.cpuSeconds / round.processed) * 1e6)),
    peakRssMiB: spreadOf(rounds.map((round) => round.peakRssMiB)),
  };
}

type Broker = { readonly bootstrap: string; readonly version: string; stop(): Promise<void> };

/** SLUICE_BROKERS, or a single-node broker of the local-Kafka script in a temp dir (removed after). */
async function acquireBroker(brokers: string | undefined, log: (line: string) => void): Promise<Broker> {
  if (brokers !== undefined)
    return { bootstrap: brokers, version: 'as given by SLUICE_BROKERS', stop: async () => {} };
  // The local-Kafka script comes with a checkout and the package; loaded only when no broker is given.
  const local = await import('../../scripts/local-kafka/index.ts').catch((error: unknown) => {
    throw new SluiceError(
      ErrorCode.bench,
      `SLUICE_BROKERS is unset and the local Kafka script cannot be loaded: ${errorText(error)}`,
    );
  });
  const dir = mkdtempSync(join(tmpdir(), 'sluice-bench-kafka-'));
  log(`SLUICE_BROKERS is unset: starting a local broker in ${dir}`);
  const state = await local.startBroker({ dir, log });
  return {
    bootstrap: state.bootstrap,
    version: `Kafka ${state.version} (local, single node)`,
    stop: async () => {
      await local.stopBroker(dir);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const round2 = (value: number): number => Math.round(value * 100) / 100;

/** `1m05s`, `42s`. */
function duration(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  return whole >= 60 ? `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s` : `${whole}s`;
}
