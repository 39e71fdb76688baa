// `sluice run`: config and logger, the admin server, stop signals and exit codes around the app.

import { setTimeout as sleep } from 'node:timers/promises';
import {
  type AdminServer,
  AdminState,
  type KafkaCluster,
  kafkaLag,
  progressProblem,
  startAdminServer,
} from '../admin/index.ts';
import { type App, StartStopped, startApp } from '../app/index.ts';
import { registerCodecs } from '../codecs/index.ts';
import { httpPorts, loadConfig, redactText, type SluiceConfig } from '../config/index.ts';
import { type Stall, StallWatchdog, stallError } from '../coordinator/index.ts';
import type { Logger } from '../core/index.ts';
import { isSluiceError } from '../errors/index.ts';
import { createLogger } from '../log/index.ts';
import { sluiceVersion } from './doctor.ts';
import { RunStop } from './run-stop.ts';

/**
 * `sluice run [job]`: runs until the source ends (available-now) or a stop: SIGTERM/SIGINT, or
 * stdout closed by its reader (`sluice run | head`). The first drains: no new batch, the one in
 * flight finishes its outputs and commit, the consumer leaves the group, exit 0; during start-up,
 * connecting is given up and a join under way finishes first. A second signal (130), or the
 * shutdown timeout (1), exits at once, as does a stall (1): no batch completing for
 * SLUICE_STALL_TIMEOUT_MS while data waits. The admin HTTP server starts first and closes last:
 * `/readyz` turns 503 before the drain starts.
 */
export async function runCommand(args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const config = loadConfig(env);
  const log = createLogger(config.logLevel);
  // Before any Kafka client: kafkajs looks codecs up when a batch is sent or fetched.
  if (config.brokers) registerCodecs(log, config.native);
  const job = args[0];
  const admin = new AdminState({ processMetrics: true });
  const stop = new RunStop(config, log, admin);
  try {
    const server = await startAdmin(config, log, admin);
    try {
      return await run(config, env, log, job, admin, stop);
    } catch (error) {
      if (!(error instanceof StartStopped)) throw error;
      log.info({}, 'sluice stopped before the run started');
      return 0;
    } finally {
      await server?.close();
    }
  } finally {
    stop.dispose();
  }
}

/** The admin HTTP server on SLUICE_HTTP_PORT, or the first free port from 4040; none when turned off. */
async function startAdmin(
  config: SluiceConfig,
  log: Logger,
  admin: AdminState,
): Promise<AdminServer | undefined> {
  if (!config.httpEnabled) {
    log.info({}, 'admin HTTP server off (SLUICE_HTTP_ENABLED=false): no /livez, /readyz or /metrics');
    return undefined;
  }
  const server = await startAdminServer({
    host: config.httpHost,
    allowedHosts: config.httpAllowedHosts,
    ...httpPorts(config),
    routes: admin.routes,
    log,
  });
  const { url, port, taken } = server;
  log.info({ url, port, ...(taken.length > 0 ? { taken } : {}) }, 'admin HTTP server listening');
  return server;
}

/** Starts the app and serves its status on the admin endpoints until it ends; closes its Kafka clients. */
async function run(
  config: SluiceConfig,
  env: NodeJS.ProcessEnv,
  log: Logger,
  job: string | undefined,
  admin: AdminState,
  stop: RunStop,
): Promise<number> {
  let watchdog: StallWatchdog | undefined;
  // A failed start closes what it connected: open Kafka connections would keep the process alive.
  const app = await startApp({
    config,
    env,
    log,
    ...(job ? { job } : {}),
    signal: stop.signal,
    write: stop.write,
    onBatch: (stats) => {
      admin.observeBatch(stats);
      watchdog?.batchDone(stats.consumed);
    },
    onBatchFailed: (failure) => admin.observeFailure(failure),
    onFatal: (error) => {
      watchdog?.stop();
      admin.readiness.failed(describe(error));
    },
  });
  try {
    watchdog = watchForStalls(app, config, log, admin, () => stop.stalled());
    stop.started(app, watchdog);
    serveStatus(app, config, admin, env);
    return await finish(app, config, log, admin);
  } finally {
    watchdog?.stop();
    await app.close();
  }
}

/** Readiness, utilization, buffered records and lag on the admin endpoints, read from the app. */
function serveStatus(app: App, config: SluiceConfig, admin: AdminState, env: NodeJS.ProcessEnv): void {
  admin.readiness.track(() =>
    progressProblem({
      unavailable: app.unavailable(),
      inFlight: app.inFlight(),
      now: Date.now(),
      batchTimeoutMs: config.readyBatchTimeoutMs,
    }),
  );
  const kafkaAdmin = app.kafkaAdmin;
  let cluster: KafkaCluster | undefined;
  // Once, in the background: the header shows the cluster when Kafka answered.
  void app.describeKafka?.({ name: 'sluice', version: sluiceVersion() }).then(
    (described) => {
      cluster = described;
    },
    () => {},
  );
  admin.describeRun(
    { job: app.job, config, startedAt: Date.now(), kafka: () => cluster },
    { watermarks: () => app.watermarks(), checkpoints: () => app.checkpoints(), env },
  );
  admin.attach({
    utilization: () => app.utilization(),
    busySeconds: () => app.busySeconds(),
    buffered: () => app.buffered(),
    ...(kafkaAdmin
      ? { lag: kafkaLag({ admin: kafkaAdmin, groupId: config.groupId, owned: () => app.owned() }) }
      : {}),
  });
  // The slots are started; the source is ready once its first assignment is restored and positioned.
  // A crash before it rejects; the engine stops with that error and reports it.
  void app.ready().then(
    () => admin.readiness.started(),
    () => {},
  );
}

/**
 * Waits for the run's end: exit code 0 once it finished. A failure turns `/readyz` unready and,
 * with SLUICE_FAILURE_EXIT_DELAY_MS, stays so that long before it is thrown.
 */
async function finish(app: App, config: SluiceConfig, log: Logger, admin: AdminState): Promise<number> {
  const summary = await app.done.catch(async (error: unknown) => {
    admin.readiness.failed(describe(error));
    if (config.failureExitDelayMs > 0) {
      log.error(
        { error: describe(error), delayMs: config.failureExitDelayMs },
        'run failed: unready until SLUICE_FAILURE_EXIT_DELAY_MS has passed, then exiting',
      );
      await sleep(config.failureExitDelayMs);
    }
    throw error;
  });
  admin.readiness.stopping('the run has finished');
  log.info({ ...summary }, 'sluice finished');
  return 0;
}

/** Starts the stall watchdog on the app's batch in flight and its source's buffered records. */
function watchForStalls(
  app: App,
  config: SluiceConfig,
  log: Logger,
  admin: AdminState,
  onStall: () => void,
): StallWatchdog {
  const watchdog = new StallWatchdog({
    timeoutMs: config.stallTimeoutMs,
    probe: () => ({ inFlight: app.inFlight(), buffered: app.waiting() }),
    onStall: (stall) => {
      onStall();
      void exitStalled(stall, config, log, admin);
    },
  });
  watchdog.start();
  return watchdog;
}

/**
 * A stalled run cannot drain (its batch does not finish), so it does not try: unready with the
 * reason, then exit 1 at once, or after SLUICE_FAILURE_EXIT_DELAY_MS. The group moves its
 * partitions once the session times out; what was not committed is read again by the next owner.
 */
async function exitStalled(stall: Stall, config: SluiceConfig, log: Logger, admin: AdminState) {
  const error = stallError(stall);
  admin.readiness.failed(describe(error));
  const { timeoutMs, waitedMs, inFlight, buffered } = stall;
  log.error({ code: error.code, timeoutMs, waitedMs, inFlight: inFlight ?? null, buffered }, error.message);
  // The one line every error that ends a run prints (main does for the others); before the delay,
  // which a signal may cut short.
  console.error(`${error.code}: ${error.message}`);
  if (config.failureExitDelayMs > 0) await sleep(config.failureExitDelayMs);
  process.exit(1);
}

/** An error as `/readyz` names it: code and message, never a stack, never a secret. */
function describe(error: unknown): string {
  return redactText(isSluiceError(error) ? `${error.code}: ${error.message}` : reasonOf(error));
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
