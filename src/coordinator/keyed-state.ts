// Keyed state as the main thread routes it: the state partition of a key's groups, and snapshots.

import type { BatchInfo } from '../core/index.ts';
import { partitionId } from '../core/index.ts';
import type { KeyedStateNode } from '../dsl/index.ts';
import {
  addParts,
  type KeyedSlotSnapshot,
  type KeyedSnapshot,
  type KeyedStateStore,
  KeyGroups,
  measureKeyed,
  runStatePartition,
  type StateInput,
  type StateLog,
  type StatePartitionRun,
  type StatePartitions,
  storeFor,
} from '../task/index.ts';

/** One state partition's input: its keys' decoded groups, then the slots' encoded parts of it. */
export type PartitionInput = { readonly groups: KeyGroups; readonly parts: readonly Uint8Array[] };

/** A state operation's output for a batch: what it emits, and (when asked) its whole state. */
export type StateRun = { readonly values: unknown[]; readonly snapshot?: [unknown, unknown][] };

/**
 * Keyed state as the main thread drives it: which state partitions are held here, and a way to
 * run an operation in each. Its tables live with their state partition: in the slot of input
 * partition q (the engine), or in this thread (the TestDriver, tests).
 */
export interface KeyedState {
  readonly partitions: StatePartitions;
  /** Keys with state over every operation and state partition held, after the last batch. */
  readonly size: number;
  /** Keys with state per state partition held here, after the last state operation's run. */
  partitionSizes(): [number, number][];
  /** The input partitions owned now: state partitions that left are dropped. */
  own(partitions: Iterable<{ readonly topic: string; readonly partition: number }>): void;
  /** Runs `node` in every held state partition, each with its keys of `input`; partitions in order. */
  run(node: KeyedStateNode, input: StateInput, info: BatchInfo, snapshot: boolean): Promise<StateRun>;
  /** A state partition for its input partition's checkpoint (id: `topic\0partition`), with its size per operation. */
  snapshot(id: string): KeyedSlotSnapshot | Promise<KeyedSlotSnapshot>;
  restore(id: string, snapshot: KeyedSnapshot): void | Promise<void>;
  forget(id: string): void | Promise<void>;
}

/**
 * Keyed state run state partition by state partition: `run` splits a batch's groups by state
 * partition and runs every held one (with keys or not: updateStateByKey calls its function for
 * every key with state, mapWithState times keys out), in partition order, where it lives.
 */
export abstract class PartitionedKeyedState implements KeyedState {
  readonly partitions: StatePartitions;
  #sizes = new Map<number, number>();

  constructor(partitions: StatePartitions) {
    this.partitions = partitions;
  }

  get size(): number {
    let size = 0;
    for (const [partition, keys] of this.#sizes) if (this.partitions.holds(partition)) size += keys;
    return size;
  }

  partitionSizes(): [number, number][] {
    return [...this.#sizes].filter(([partition]) => this.partitions.holds(partition));
  }

  own(partitions: Iterable<{ readonly topic: string; readonly partition: number }>): void {
    this.partitions.own(partitions);
  }

  async run(node: KeyedStateNode, input: StateInput, info: BatchInfo, snapshot: boolean): Promise<StateRun> {
    this.partitions.check(
      node,
      input.groups.groups().map(([key]) => key),
    );
    for (const [partition, parts] of input.parts) {
      // Only without routing (no broker): the slots' keys of a partition held nowhere here.
      if (!this.partitions.holds(partition))
        this.partitions.check(
          node,
          addParts(new KeyGroups(), parts)
            .groups()
            .map(([key]) => key),
        );
    }
    const split = new Map<number, KeyGroups>();
    for (const [key, values] of input.groups.groups()) {
      const partition = this.partitions.partitionOf(key);
      let group = split.get(partition);
      if (!group) {
        group = new KeyGroups();
        split.set(partition, group);
      }
      group.addAll(key, values);
    }
    const held = this.partitions.held().map(({ partition }) => partition);
    const runs = await Promise.all(
      held.map((partition) =>
        this.runPartition(
          partition,
          node,
          { groups: split.get(partition) ?? new KeyGroups(), parts: input.parts.get(partition) ?? [] },
          info,
          snapshot,
        ),
      ),
    );
    this.#sizes = new Map(held.map((partition, index) => [partition, runs[index]?.size ?? 0]));
    const values = runs.flatMap((run) => run.values);
    return snapshot ? { values, snapshot: runs.flatMap((run) => run.snapshot ?? []) } : { values };
  }

  /** Runs `node` over state partition `partition` with its keys' groups, then its encoded parts. */
  protected abstract runPartition(
    partition: number,
    node: KeyedStateNode,
    input: PartitionInput,
    info: BatchInfo,
    snapshot: boolean,
  ): StatePartitionRun | Promise<StatePartitionRun>;

  abstract snapshot(id: string): KeyedSlotSnapshot | Promise<KeyedSlotSnapshot>;
  abstract restore(id: string, snapshot: KeyedSnapshot): void | Promise<void>;
  abstract forget(id: string): void | Promise<void>;
}

/** Keyed state in this thread: one store per state partition, as each slot keeps its own. */
export class LocalKeyedState extends PartitionedKeyedState {
  readonly #stores = new Map<string, KeyedStateStore>();
  readonly #log: StateLog | undefined;

  constructor(partitions: StatePartitions, log?: StateLog) {
    super(partitions);
    this.#log = log;
  }

  override own(partitions: Iterable<{ readonly topic: string; readonly partition: number }>): void {
    super.own(partitions);
    const held = new Set<string>(
      this.partitions.held().map(({ topic, partition }) => partitionId(topic, partition)),
    );
    for (const id of this.#stores.keys()) if (!held.has(id)) this.#stores.delete(id);
  }

  protected runPartition(
    partition: number,
    node: KeyedStateNode,
    input: PartitionInput,
    info: BatchInfo,
    snapshot: boolean,
  ): StatePartitionRun {
    const store = this.#storeOf(partitionId(this.partitions.layout.topic, partition));
    return runStatePartition(store, node, addParts(input.groups, input.parts), info, snapshot);
  }

  snapshot(id: string): KeyedSlotSnapshot {
    return measureKeyed(this.#stores.get(id)?.snapshot(id) ?? []);
  }

  restore(id: string, snapshot: KeyedSnapshot): void {
    this.#storeOf(id).restore(id, snapshot);
  }

  forget(id: string): void {
    this.#stores.delete(id);
  }

  #storeOf(id: string): KeyedStateStore {
    let store = this.#stores.get(id);
    if (!store) {
      store = storeFor(this.partitions.layout, id, this.#log);
      this.#stores.set(id, store);
    }
    return store;
  }
}
