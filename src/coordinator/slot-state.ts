// Keyed state kept in the worker slots next to each input partition's windows, driven from here.

import { type BatchInfo, decodePlain, encodePlain } from '../core/index.ts';
import type { KeyedStateNode } from '../dsl/index.ts';
import type { KeyedSlotSnapshot, KeyedSnapshot, StatePartitionRun, StatePartitions } from '../task/index.ts';
import { PartitionedKeyedState, type PartitionInput } from './keyed-state.ts';

import type { Slots } from './slots.ts';

/**
 * Keyed state in the worker slots: state partition q lives in the slot of input partition q (of
 * the layout's topic), next to its windows, and moves with it. The main thread routes each key to
 * its state partition and runs an operation in every held one at once: one round trip per state
 * operation and batch, after the slots' first pass has grouped the values per key.
 */
export class SlotKeyedState extends PartitionedKeyedState {
  readonly #slots: Pick<Slots, 'keyed'>;

  constructor(partitions: StatePartitions, slots: Pick<Slots, 'keyed'>) {
    super(partitions);
    this.#slots = slots;
  }

  protected async runPartition(
    partition: number,
    node: KeyedStateNode,
    input: PartitionInput,
    info: BatchInfo,
    snapshot: boolean,
  ): Promise<StatePartitionRun> {
    const bytes = (await this.#slots.keyed({
      type: 'state',
      info,
      layout: this.partitions.layout,
      partition,
      node: node.id,
      groups: encodePlain(input.groups.groups()),
      // Views into the slots' result buffers: copied out, or the whole buffer would be cloned.
      parts: input.parts.map((part) => part.slice()),
      snapshot,
    })) as Uint8Array;
    return decodePlain(bytes) as StatePartitionRun;
  }

  async snapshot(id: string): Promise<KeyedSlotSnapshot> {
    const partition = this.partitions.numberOf(id);
    if (partition === undefined) return { state: [], nodeBytes: [] };
    const { layout } = this.partitions;
    return (await this.#slots.keyed({ type: 'keyedSnapshot', layout, partition })) as KeyedSlotSnapshot;
  }

  async restore(id: string, state: KeyedSnapshot): Promise<void> {
    const partition = this.partitions.numberOf(id);
    if (partition === undefined) return;
    await this.#slots.keyed({ type: 'keyedRestore', layout: this.partitions.layout, partition, state });
  }

  async forget(id: string): Promise<void> {
    const partition = this.partitions.numberOf(id);
    if (partition === undefined) return;
    await this.#slots.keyed({ type: 'keyedForget', layout: this.partitions.layout, partition });
  }
}
