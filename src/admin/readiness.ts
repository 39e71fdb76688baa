// /readyz's state: starting, ready, stopping or failed, and rejoining or stuck while the run cannot progress.

import type { BatchInFlight } from '../coordinator/index.ts';
import { redactText } from '../errors/index.ts';
import type { ProgressProblem, Readiness } from './types.ts';

/**
 * The process's readiness for `/readyz`: `starting` until the first partition assignment is done
 * and the slots run; `stopping` once shutdown begins; `failed` once the run hit an error it stops
 * for (a checkpoint that cannot be written). Only forward: a failed process never becomes ready.
 * Between `starting` and the end, ready only while the run makes progress (`track`): `rejoining`
 * while its consumer owns no partitions, `stuck` while a batch is in flight for too long.
 */
export class ReadinessState {
  #current: Readiness = { status: 'starting', reason: 'waiting for the first partition assignment' };
  #progress: (() => ProgressProblem | undefined) | undefined;

  get(): Readiness {
    if (this.#current.status !== 'ready') return this.#current;
    const problem = this.#progress?.();
    return problem ? { status: problem.status, reason: redactText(problem.reason) } : this.#current;
  }

  get ready(): boolean {
    return this.get().status === 'ready';
  }

  /** Asked on each read while ready: what keeps the run from progressing now, if anything. */
  track(progress: () => ProgressProblem | undefined): void {
    this.#progress = progress;
  }

  /** The first assignment is done (restored, positioned) and the worker slots are started. */
  started(): void {
    if (this.#current.status === 'starting') this.#current = { status: 'ready' };
  }

  stopping(reason: string): void {
    if (this.#current.status !== 'failed') this.#current = { status: 'stopping', reason };
  }

  /** The first failure is the one reported: what follows it is usually its consequence. */
  failed(reason: string): void {
    // Credentials in a URL (`postgres://user:secret@host`) never reach an HTTP answer.
    if (this.#current.status !== 'failed') this.#current = { status: 'failed', reason: redactText(reason) };
  }
}

export type ProgressProbe = {
  /** Why the source cannot make progress now (its consumer rejoining or down), if it cannot. */
  readonly unavailable: string | undefined;
  readonly inFlight: BatchInFlight | undefined;
  readonly now: number;
  /** SLUICE_READY_BATCH_TIMEOUT_MS. */
  readonly batchTimeoutMs: number;
};

/** What keeps a started run from progressing: its consumer first, then a batch in flight too long. */
export function progressProblem(probe: ProgressProbe): ProgressProblem | undefined {
  const { unavailable, inFlight, now, batchTimeoutMs } = probe;
  if (unavailable !== undefined) return { status: 'rejoining', reason: unavailable };
  if (!inFlight) return undefined;
  const ms = now - inFlight.startedAt;
  if (ms <= batchTimeoutMs) return undefined;
  return {
    status: 'stuck',
    reason: `batch ${inFlight.batchId} (${inFlight.records} records) has been in flight for ${ms} ms, longer than SLUICE_READY_BATCH_TIMEOUT_MS (${batchTimeoutMs}), ${inFlight.step}`,
  };
}
