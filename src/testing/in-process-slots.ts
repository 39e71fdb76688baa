// Worker slots in this thread: one TaskRunner runs every partition's tasks, results through the slots' msgpack codec.
import type { Slots } from '../coordinator/index.ts';
import {
  decodeResult,
  type PartitionResult,
  type SlotSnapshot,
  type SlotTask,
  type TaskRunner,
} from '../task/index.ts';

/** What the engine, the keyed state and checkpoints ask of the slots. */
export type SlotsPort = Pick<Slots, 'run' | 'keyed' | 'snapshot' | 'restore' | 'release'>;

/**
 * The slots as the TestDriver has them: every task runs in one TaskRunner in this thread, one
 * after the other in the order given (a one-thread slot's queue: a job's asynchronous batch ends
 * before the next task starts), and a batch's result crosses back as the bytes a worker would
 * transfer, decoded as `Slots.run` decodes them. A task's error is thrown as it is, not wrapped in
 * `SLUICE_WORKER` as a worker thread's: it keeps its code (a state operation's `SLUICE_STATE`,
 * say) for the test to see.
 */
export class InProcessSlots implements SlotsPort {
  readonly #runner: TaskRunner;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(runner: TaskRunner) {
    this.#runner = runner;
  }

  async run(_topic: string, _partition: number, task: SlotTask): Promise<PartitionResult> {
    return decodeResult((await this.#next(task)) as Uint8Array);
  }

  async snapshot(topic: string, partition: number): Promise<SlotSnapshot> {
    return (await this.#next({ type: 'snapshot', topic, partition })) as SlotSnapshot;
  }

  async restore(topic: string, partition: number, state: Uint8Array): Promise<void> {
    await this.#next({ type: 'restore', topic, partition, state });
  }

  keyed(task: Extract<SlotTask, { readonly layout: unknown }>): Promise<unknown> {
    return this.#next(task);
  }

  release(topic: string, partition: number): void {
    this.#next({ type: 'forget', topic, partition }).catch(() => {});
  }

  /** Runs `task` once the tasks before it have settled. */
  #next(task: SlotTask): Promise<unknown> {
    const output = this.#queue.then(() => this.#runner.run(task));
    this.#queue = output.catch(() => {});
    return output;
  }
}
