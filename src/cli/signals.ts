// A command's stop on SIGINT/SIGTERM or a closed stdout, and stdout writes that wait out a full buffer.

import { once } from 'node:events';

/** What asked a command to stop first: a signal, or stdout closed by its reader (`| head`). */
export type StopCause = { readonly signal: NodeJS.Signals } | { readonly stdout: string };

export type Stopper = {
  /** Aborted by the first stop cause: the command finishes what is in flight. */
  readonly controller: AbortController;
  cause(): StopCause | undefined;
  /**
   * Writes to stdout, waiting while its buffer is full (until a stop); nothing once stdout is
   * closed, whose errors (EPIPE, ENOBUFS) stop the command instead of crashing it.
   */
  write(text: string): Promise<void>;
  dispose(): void;
};

export type StopOptions = {
  /** Told the first stop cause, after `controller` aborted. */
  readonly onStop?: (cause: StopCause) => void;
  /** A signal after the first stop cause; exits 130 unless this exits otherwise. */
  readonly onSecondSignal?: (signal: NodeJS.Signals) => void;
};

/**
 * A command's stop on SIGINT/SIGTERM or a closed stdout: the first aborts `controller` (the
 * command finishes what is in flight), a signal after it exits 130 at once. `dispose` removes the
 * signal handlers; stdout errors stay ignored, as the last write's may come after it.
 */
export function stopOnSignals(options: StopOptions = {}): Stopper {
  const controller = new AbortController();
  let cause: StopCause | undefined;
  let stdoutClosed = false;
  const stop = (next: StopCause): void => {
    if (cause) return;
    cause = next;
    controller.abort();
    options.onStop?.(next);
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    if (!cause) {
      stop({ signal });
      return;
    }
    options.onSecondSignal?.(signal);
    process.exit(130);
  };
  const onStdoutError = (error: NodeJS.ErrnoException): void => {
    stdoutClosed = true;
    stop({ stdout: error.code ?? error.message });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.stdout.on('error', onStdoutError);
  return {
    controller,
    cause: () => cause,
    async write(text) {
      if (stdoutClosed) return;
      if (process.stdout.write(text)) return;
      await once(process.stdout, 'drain', { signal: controller.signal }).catch(() => {});
    },
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.stdout.off('error', onStdoutError);
      process.stdout.on('error', () => {});
    },
  };
}
