// Keyed state and the window exchange as the TestDriver holds them: one instance's, or one of several.
import { SlotKeyedState, WindowExchange } from '../coordinator/index.ts';
import type { StateLayout, StatePartitions } from '../task/index.ts';
import type { InProcessSlots } from './in-process-slots.ts';

/**
 * Keyed state in the slots, as in a run. Without declared partitions the driver is the one
 * instance: it holds every state partition, whichever input partitions brought records.
 */
export class DriverKeyedState extends SlotKeyedState {
  readonly #everything: boolean;

  constructor(partitions: StatePartitions, slots: InProcessSlots, everything: boolean) {
    super(partitions, slots);
    this.#everything = everything;
  }

  override own(partitions: Iterable<{ readonly topic: string; readonly partition: number }>): void {
    if (!this.#everything) super.own(partitions);
  }
}

/**
 * The window exchange of one instance. Without declared partitions it holds every state partition,
 * whichever partitions bring records; with them, what the partitions owned hold.
 */
export class DriverExchange extends WindowExchange {
  readonly #everything: boolean;

  constructor(layout: StateLayout, everything: boolean) {
    super(layout);
    this.#everything = everything;
    if (everything) {
      const all = Array.from({ length: layout.partitions }, (_, partition) => ({
        topic: layout.topic,
        partition,
      }));
      super.own(all);
    }
  }

  override own(partitions: Iterable<{ readonly topic: string; readonly partition: number }>): void {
    if (!this.#everything) super.own(partitions);
  }
}
