// Worker slots with partition affinity: one piscina thread each, a partition always in one slot.

import { Piscina } from 'piscina';
import { partitionId, partitionName, siblingModule } from '../core/index.ts';
import { ErrorCode, isErrorCode, isSlotErrorData, SluiceError, slotFailure } from '../errors/index.ts';
import type { PartitionResult, SlotSnapshot, SlotTask, WorkerInit } from '../task/index.ts';
import { decodeResult } from '../task/index.ts';
import { BusyTime } from './busy-time.ts';

const WORKER = siblingModule('../task/worker.ts', import.meta.url).href;

/**
 * Worker slots with partition affinity: each slot is a one-thread piscina pool, and a partition,
 * once placed, always runs in the same slot (its state will live there).
 */
export class Slots {
  readonly #pools: Piscina[];
  readonly #busy: BusyTime[];
  readonly #placement = new Map<string, number>();
  readonly #load: number[];
  /** WorkerInit.progress: the asynchronous calls the slots have settled. */
  readonly #calls = new Int32Array(new SharedArrayBuffer(4));

  constructor(count: number, init: WorkerInit) {
    const workerData: WorkerInit = { ...init, progress: this.#calls.buffer as SharedArrayBuffer };
    this.#pools = Array.from(
      { length: count },
      () =>
        new Piscina({
          filename: WORKER,
          workerData,
          minThreads: 1,
          maxThreads: 1,
          idleTimeout: Number.POSITIVE_INFINITY,
        }),
    );
    this.#load = this.#pools.map(() => 0);
    this.#busy = this.#pools.map(() => new BusyTime());
  }

  get size(): number {
    return this.#pools.length;
  }

  /** The slot that owns a partition; a new partition goes to the slot with the fewest. */
  slotOf(topic: string, partition: number): number {
    const id = partitionId(topic, partition);
    let slot = this.#placement.get(id);
    if (slot === undefined) {
      // biome-ignore lint/plugin/no-data-sized-spread: one entry per worker slot (SLUICE_WORKERS)
      slot = this.#load.indexOf(Math.min(...this.#load));
      this.#placement.set(id, slot);
      this.#load[slot] = (this.#load[slot] ?? 0) + 1;
    }
    return slot;
  }

  /** Forgets a partition this process no longer owns, and its slot drops the partition's window state. */
  release(topic: string, partition: number): void {
    const id = partitionId(topic, partition);
    const slot = this.#placement.get(id);
    if (slot === undefined) return;
    this.#placement.delete(id);
    this.#load[slot] = (this.#load[slot] ?? 1) - 1;
    // Queued behind the partition's tasks in flight: a one-thread pool runs its queue in order.
    const forget: SlotTask = { type: 'forget', topic, partition };
    this.#submit(slot, forget).catch(() => {});
  }

  async run(topic: string, partition: number, task: SlotTask): Promise<PartitionResult> {
    const slot = this.slotOf(topic, partition);
    try {
      return decodeResult((await this.#submit(slot, task)) as Uint8Array);
    } catch (error) {
      throw slotFailed(slot, `failed on ${partitionName(topic, partition)}`, error);
    }
  }

  /** The partition's window state from its slot, as msgpack bytes (after its tasks in flight). */
  async snapshot(topic: string, partition: number): Promise<SlotSnapshot> {
    const task: SlotTask = { type: 'snapshot', topic, partition };
    return (await this.#call(topic, partition, task)) as SlotSnapshot;
  }

  /** Gives a partition's slot the window state of a checkpoint, before its first batch. */
  async restore(topic: string, partition: number, state: Uint8Array): Promise<void> {
    await this.#call(topic, partition, { type: 'restore', topic, partition, state });
  }

  /** A keyed state task, in the slot of the state partition's input partition (after its batch). */
  async keyed(task: Extract<SlotTask, { readonly layout: unknown }>): Promise<unknown> {
    return this.#call(task.layout.topic, task.partition, task);
  }

  async #call(topic: string, partition: number, task: SlotTask): Promise<unknown> {
    const slot = this.slotOf(topic, partition);
    try {
      return await this.#submit(slot, task);
    } catch (error) {
      throw slotFailed(slot, `failed to ${task.type} ${partitionName(topic, partition)}`, error);
    }
  }

  /** Every task a slot runs goes through here, which counts the slot's busy time. */
  #submit(slot: number, task: SlotTask): Promise<unknown> {
    const pool = this.#pools[slot] as Piscina;
    return (this.#busy[slot] as BusyTime).during(() => pool.run(task));
  }

  /** How many mapAsync and filterAsync calls the slots have settled: a count that only changes. */
  callsSettled(): number {
    return Atomics.load(this.#calls, 0);
  }

  /** Fraction of the time each slot was busy since it started. */
  utilization(): number[] {
    return this.#busy.map((busy) => busy.share());
  }

  /** Seconds each slot was busy since it started: a counter, so `rate()` gives the busy share. */
  busySeconds(): number[] {
    return this.#busy.map((busy) => busy.seconds());
  }

  async close(): Promise<void> {
    await Promise.all(this.#pools.map((pool) => pool.destroy()));
  }
}

/**
 * What a slot's task threw, as the main thread's error: with the slot's code, stack and causes
 * when it is what the worker sent (slot-error.ts); otherwise (the thread died) SLUICE_WORKER.
 */
function slotFailed(slot: number, what: string, error: unknown): SluiceError {
  if (isSlotErrorData(error)) {
    const code = isErrorCode(error.code) ? error.code : ErrorCode.worker;
    return slotFailure(code, `worker slot ${slot} ${what}: ${error.message}`, error);
  }
  const reason = error instanceof Error ? error.message : String(error);
  return new SluiceError(ErrorCode.worker, `worker slot ${slot} ${what}: ${reason}`, { cause: error });
}
