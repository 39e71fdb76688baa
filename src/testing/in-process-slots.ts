// Worker slots in this thread: one TaskRunner runs every partition's tasks, results through the slots' msgpack codec.
import type { Slots } from '../coordinator/index.ts';
import { decodeResult, type PartitionResult, type SlotTask, type TaskRunner } from '../task/index.ts';

/** What the engine, the keyed state and checkpoints ask of the slots. */
export type SlotsPort = Pick<Slots, 'run' | 'keyed' | 'snapshot' | 'restore' | 'release'>;

/**
 * The slots as the TestDriver has them: every task runs in one TaskRunner in this thread, in
 * the order given (a one-thread slot's queue), and a batch's result crosses back as the bytes a
 * worker would transfer, decoded as `Slots.run` decodes them. A task's error is thrown as it is,
 * not wrapped in `SLUICE_WORKER` as a worker thread's: it keeps its code (a state operation's
 * `SLUICE_STATE`, say) for the test to see.
 */
export class InProcessSlots implements SlotsPort {
  readonly #runner: TaskRunner;

  constructor(runner: TaskRunner) {
    this.#runner = runner;
  }

  async run(_topic: string, _partition: number, task: SlotTask): Promise<PartitionResult> {
    return decodeResult(this.#runner.run(task) as Uint8Array);
  }

  async snapshot(topic: string, partition: number): Promise<Uint8Array> {
    return this.#runner.run({ type: 'snapshot', topic, partition }) as Uint8Array;
  }

  async restore(topic: string, partition: number, state: Uint8Array): Promise<void> {
    this.#runner.run({ type: 'restore', topic, partition, state });
  }

  async keyed(task: Extract<SlotTask, { readonly layout: unknown }>): Promise<unknown> {
    return this.#runner.run(task);
  }

  release(topic: string, partition: number): void {
    this.#runner.run({ type: 'forget', topic, partition });
  }
}
