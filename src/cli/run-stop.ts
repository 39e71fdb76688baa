// How `sluice run` stops on a signal or a closed stdout: abandon the start or drain, within a timeout.

import type { AdminState } from '../admin/index.ts';
import type { App } from '../app/index.ts';
import type { SluiceConfig } from '../config/index.ts';
import type { StallWatchdog } from '../coordinator/index.ts';
import type { Logger } from '../core/index.ts';
import { type StopCause, stopOnSignals } from './signals.ts';

export const DRAINING = 'draining: finishing the batch in flight, then committing and leaving the group';

/**
 * How `sluice run` stops, from its first line on: SIGTERM/SIGINT or a closed stdout. Before the
 * run has started, connecting is given up at once (`signal`) and a group join in progress
 * finishes, then the run stops without a batch; once it runs, it drains. Each path logs what it
 * does; SLUICE_SHUTDOWN_TIMEOUT_MS bounds them all (exit 1).
 */
export class RunStop {
  readonly #config: SluiceConfig;
  readonly #log: Logger;
  readonly #admin: AdminState;
  readonly #stopper;
  #app: App | undefined;
  #watchdog: StallWatchdog | undefined;
  #stalled = false;

  constructor(config: SluiceConfig, log: Logger, admin: AdminState) {
    this.#config = config;
    this.#log = log;
    this.#admin = admin;
    this.#stopper = stopOnSignals({
      onStop: (cause) => this.#onStop(cause),
      onSecondSignal: (signal) => log.warn({ signal }, 'second signal: exiting now'),
    });
  }

  get requested(): boolean {
    return this.#stopper.controller.signal.aborted;
  }

  /** `print()`'s writer: stdout, nothing once a reader closed it. */
  readonly write = (text: string): Promise<void> => this.#stopper.write(text);

  /** Aborted by the first stop request: the app gives up connecting to Kafka. */
  get signal(): AbortSignal {
    return this.#stopper.controller.signal;
  }

  /** The run has started: a stop requested meanwhile stops it now (no batch runs). */
  started(app: App, watchdog: StallWatchdog): void {
    this.#app = app;
    this.#watchdog = watchdog;
    if (this.requested) {
      watchdog.stop();
      app.stop();
    }
  }

  /** The watchdog found a stall: a signal now cannot drain, it exits at once. */
  stalled(): void {
    this.#stalled = true;
  }

  dispose(): void {
    this.#stopper.dispose();
  }

  #onStop(cause: StopCause): void {
    const what = 'signal' in cause ? cause.signal : `stdout closed (${cause.stdout})`;
    if (this.#stalled) {
      this.#log.warn(cause, 'signal while stalled: exiting now');
      process.exit(1);
    }
    this.#watchdog?.stop();
    this.#admin.readiness.stopping(`shutting down on ${what}: draining the batch in flight`);
    if (this.#app) {
      this.#log.info(cause, DRAINING);
      this.#app.stop();
    } else {
      this.#log.info(
        cause,
        'stopping during start-up: connecting is given up, a group join under way finishes and the group is left; no batch runs',
      );
    }
    const timeoutMs = this.#config.shutdownTimeoutMs;
    setTimeout(() => {
      this.#log.error(
        { timeoutMs, inFlight: this.#app?.inFlight() ?? null },
        'shutdown took longer than SLUICE_SHUTDOWN_TIMEOUT_MS: exiting before the drain finished',
      );
      process.exit(1);
    }, timeoutMs).unref();
  }
}
