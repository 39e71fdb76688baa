import { redactText } from '../errors/index.ts';
import type { Readiness } from './types.ts';

/**
 * The process's readiness for `/readyz`: `starting` until the first partition assignment is done
 * and the slots run; `stopping` once shutdown begins; `failed` once the run hit an error it stops
 * for (a checkpoint that cannot be written). Only forward: a failed process never becomes ready.
 */
export class ReadinessState {
  #current: Readiness = { status: 'starting', reason: 'waiting for the first partition assignment' };

  get(): Readiness {
    return this.#current;
  }

  get ready(): boolean {
    return this.#current.status === 'ready';
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
