// StateSpec and State: mapWithState's per-key state handle and its timeout, as in Spark.

import { ErrorCode, SluiceError } from '../errors/index.ts';

/**
 * One key's state inside a `mapWithState` function, as Spark's `State`: read it, replace it,
 * remove it. When the key timed out, `isTimingOut()` is true and the state can only be read.
 */
export type State<S> = {
  exists(): boolean;
  /** The state; throws `SLUICE_STATE` when there is none (Spark's NoSuchElementException). */
  get(): S;
  getOption(): S | undefined;
  /** Throws `SLUICE_STATE` on a timing-out or removed state, and for `undefined` (use `remove`). */
  update(state: S): void;
  /** Throws `SLUICE_STATE` on a timing-out or already removed state. */
  remove(): void;
  isTimingOut(): boolean;
};

/** What `mapWithState` calls per record, and once more with `undefined` for a key that timed out. */
export type MappingFunction<K, V, S, U> = (key: K, value: V | undefined, state: State<S>) => U | undefined;

/**
 * Spark's `StateSpec`: the mapping function, an optional idle timeout (ms of batch time without a
 * record for the key) and state to start from. A plain object of this shape is a spec too.
 */
export type MapWithStateSpec<K, V, S, U> = {
  readonly fn: MappingFunction<K, V, S, U>;
  readonly timeoutMs?: number;
  readonly initialState?: Iterable<readonly [K, S]>;
};

/** Throws `SLUICE_JOB_INVALID` unless `ms` is a whole number of milliseconds above 0. */
export function checkTimeout(ms: number): number {
  if (!Number.isSafeInteger(ms) || ms <= 0) {
    throw new SluiceError(
      ErrorCode.jobInvalid,
      `mapWithState: the timeout must be an integer > 0 of milliseconds; got ${ms}`,
    );
  }
  return ms;
}

/**
 * Spark's `StateSpec` builder, immutable: each method returns a new spec.
 *
 * @example
 * pairs.mapWithState(StateSpec.function(countVisits).timeout(60_000).initialState([['home', 0]]));
 */
export class StateSpec<K, V, S, U> {
  readonly spec: MapWithStateSpec<K, V, S, U>;

  private constructor(spec: MapWithStateSpec<K, V, S, U>) {
    this.spec = Object.freeze(spec);
  }

  static function<K, V, S, U>(fn: MappingFunction<K, V, S, U>): StateSpec<K, V, S, U> {
    return new StateSpec({ fn });
  }

  timeout(ms: number): StateSpec<K, V, S, U> {
    return new StateSpec({ ...this.spec, timeoutMs: checkTimeout(ms) });
  }

  /** Copied now: an iterator would be used up by the first thread that builds the job. */
  initialState(pairs: Iterable<readonly [K, S]>): StateSpec<K, V, S, U> {
    return new StateSpec({ ...this.spec, initialState: [...pairs] });
  }
}

const misuse = (message: string): SluiceError => new SluiceError(ErrorCode.state, message);

/** The engine's `State`, re-pointed at each key before a call; the rules are Spark's `StateImpl`. */
export class StateHandle implements State<unknown> {
  #state: unknown;
  #defined = false;
  #updated = false;
  #removed = false;
  #timingOut = false;

  wrap(state: unknown, defined: boolean, timingOut = false): void {
    this.#state = state;
    this.#defined = defined;
    this.#updated = false;
    this.#removed = false;
    this.#timingOut = timingOut;
  }

  get updated(): boolean {
    return this.#updated;
  }

  get removed(): boolean {
    return this.#removed;
  }

  exists(): boolean {
    return this.#defined;
  }

  get(): unknown {
    if (!this.#defined) throw misuse('State.get: the key has no state (check exists() or use getOption())');
    return this.#state;
  }

  getOption(): unknown {
    return this.#defined ? this.#state : undefined;
  }

  update(state: unknown): void {
    if (this.#removed) throw misuse('State.update: the state was removed in this call');
    if (this.#timingOut) throw misuse('State.update: the state is timing out; it can only be read');
    if (state === undefined) throw misuse('State.update: a state cannot be undefined; call remove()');
    this.#state = state;
    this.#defined = true;
    this.#updated = true;
  }

  remove(): void {
    if (this.#timingOut) throw misuse('State.remove: the state is timing out; it is removed after this call');
    if (this.#removed) throw misuse('State.remove: the state was already removed in this call');
    this.#state = undefined;
    this.#defined = false;
    this.#updated = false;
    this.#removed = true;
  }

  isTimingOut(): boolean {
    return this.#timingOut;
  }
}
