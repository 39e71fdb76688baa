// startJob: a run embedded in another program — a job and its environment in, a drain on abort, a summary out.

import { fileURLToPath } from 'node:url';
import { registerCodecs } from '../codecs/index.ts';
import { loadConfig } from '../config/index.ts';
import { type BatchStats, type EngineSummary, StallWatchdog, stallError } from '../coordinator/index.ts';
import type { Logger } from '../core/index.ts';
import type { Job } from '../dsl/index.ts';
import { ErrorCode, SluiceError } from '../errors/index.ts';
import { createLogger } from '../log/index.ts';
import { type App, startApp } from './app.ts';
import { StartStopped } from './kafka-clients.ts';

export type StartJobOptions = {
  /** The SLUICE_* settings, and what the job's `ctx.env` sees in every thread; `process.env` by default. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * Stops the run. During start-up, connecting to Kafka is given up and `startJob` rejects with
   * the signal's reason; once running, the run drains: no new batch, the one in flight finishes
   * its outputs and commit, the group is left, and `done` resolves.
   */
  readonly signal?: AbortSignal;
  /** Where `print()` writes; stdout by default. */
  readonly write?: (text: string) => void | Promise<void>;
  /** Each finished batch's figures (what `/api/batches` shows under `sluice run`). */
  readonly onBatch?: (stats: BatchStats) => void;
  /** Where the run logs; pino on stderr at SLUICE_LOG_LEVEL by default. */
  readonly log?: Logger;
};

/** What a run did: its batches, the records they read, decode errors and late records. */
export type RunSummary = EngineSummary;

/** A started run. */
export type JobRun = {
  /**
   * Settles when the run has ended and its Kafka clients are closed: with its summary once the
   * source ended (SLUICE_TRIGGER=available-now) or a stop drained it; with the error that ended it
   * otherwise (a stall included: no batch finished for SLUICE_STALL_TIMEOUT_MS while data waited).
   */
  readonly done: Promise<RunSummary>;
  /** Drains the run, as aborting `signal` does, and returns `done`. */
  stop(): Promise<RunSummary>;
};

/**
 * Starts a job in this process, configured by `env` as `sluice run` is by its environment, and
 * resolves once it runs. `job`: a job module's path or URL, a built-in job's name, or the job
 * itself (its module is imported again in every worker slot).
 *
 * @example
 * import job from './job.ts';
 * const run = await startJob(job, { env: { SLUICE_BROKERS: 'localhost:9092', SLUICE_TOPICS: 'clicks' }, signal });
 * console.log(await run.done); // { batches, records, decodeErrors, late }
 */
export async function startJob(job: Job | string | URL, options: StartJobOptions = {}): Promise<JobRun> {
  const env = options.env ?? process.env;
  const config = loadConfig(env);
  const log = options.log ?? createLogger(config.logLevel);
  const { signal } = options;
  signal?.throwIfAborted();
  // Before any Kafka client: kafkajs looks codecs up when a batch is sent or fetched.
  if (config.brokers) registerCodecs(log, config.native);
  let app: App;
  try {
    app = await startApp({
      config,
      env,
      log,
      job: jobPath(job),
      ...(signal ? { signal } : {}),
      ...(options.write ? { write: options.write } : {}),
      ...(options.onBatch ? { onBatch: options.onBatch } : {}),
    });
  } catch (error) {
    if (error instanceof StartStopped && signal?.aborted) throw signal.reason;
    throw error;
  }
  return watch(app, config.stallTimeoutMs, signal);
}

function watch(app: App, stallTimeoutMs: number, signal: AbortSignal | undefined): JobRun {
  let stalled: (error: SluiceError) => void = () => {};
  const stall = new Promise<never>((_, reject) => {
    stalled = reject;
  });
  const watchdog = new StallWatchdog({
    timeoutMs: stallTimeoutMs,
    probe: () => ({ inFlight: app.inFlight(), buffered: app.waiting() }),
    // A stalled batch cannot drain: the run is given up, its clients left to close as they can.
    onStall: (found) => {
      app.stop();
      void app.close().catch(() => {});
      stalled(stallError(found));
    },
  });
  watchdog.start();
  const stop = (): void => {
    watchdog.stop();
    app.stop();
  };
  signal?.addEventListener('abort', stop, { once: true });
  const ended = app.done.finally(async () => {
    watchdog.stop();
    signal?.removeEventListener('abort', stop);
    await app.close();
  });
  const done = Promise.race([ended, stall]);
  // Whoever holds the run reads `done`: these two must not also surface as unhandled rejections.
  ended.catch(() => {});
  stall.catch(() => {});
  return {
    done,
    stop() {
      stop();
      return done;
    },
  };
}

/** The module path `startApp` imports (in every thread) for `job`. */
function jobPath(job: Job | string | URL): string {
  if (typeof job === 'string') return job;
  if (job instanceof URL) return fileURLToPath(job);
  if (job.module === undefined) {
    throw new SluiceError(
      ErrorCode.jobInvalid,
      "startJob cannot tell which module defined this job: pass the module's path instead, e.g. startJob(new URL('./job.ts', import.meta.url))",
    );
  }
  return job.module.startsWith('file:') ? fileURLToPath(job.module) : job.module;
}
