// Keyed state tables per state partition, the state partition of a key, and their snapshots.

import { keyIdentity, keyText, murmur2, parsePartitionId, partitionId, toPositive } from '../core/index.ts';
import type { KeyedStateNode } from '../dsl/index.ts';
import { ErrorCode, SluiceError } from '../errors/index.ts';

/** The input topic whose partitions the state partitions follow, and how many it has. */
export type StateLayout = { readonly topic: string; readonly partitions: number };

export type StateEntry = { readonly key: unknown; state: unknown; at: number };

/** One state partition in a checkpoint: `[node, [key, state, batch time of its last update][]]`. */
export type KeyedSnapshot = [number, [unknown, unknown, number][]][];

export type StateLog = { error(object: object, message: string): void };

type StatePartition = {
  readonly topic: string;
  readonly partition: number;
  /** Per operation, its keys; a table's presence means the operation's initial state is in it. */
  readonly tables: Map<number, Map<unknown, StateEntry>>;
};

/**
 * The state partition of a key: Kafka's default partition for it as a record key,
 * `toPositive(murmur2(utf8(keyText(key)))) % partitions`. With the record key as the stream key,
 * it is the input partition the key came from.
 */
export function statePartitionOf(key: unknown, partitions: number): number {
  return toPositive(murmur2(Buffer.from(keyText(key)))) % partitions;
}

/**
 * Where keyed state lives: state partition q of a key (`statePartitionOf`) is kept with input
 * partition q of the layout's topic, by the instance that owns it. The main thread routes with it;
 * the tables are in the slots (`KeyedStateStore`).
 */
export class StatePartitions {
  readonly layout: StateLayout;
  /** State partitions owned here; undefined: every partition of the layout. */
  #owned: ReadonlySet<number> | undefined;
  readonly #log: StateLog | undefined;

  constructor(layout: StateLayout, log?: StateLog) {
    checkLayout(layout);
    this.layout = layout;
    this.#log = log;
  }

  /** The input partitions owned now (other topics' are ignored). */
  own(partitions: Iterable<{ readonly topic: string; readonly partition: number }>): void {
    const owned = new Set<number>();
    for (const { topic, partition } of partitions) if (topic === this.layout.topic) owned.add(partition);
    this.#owned = owned;
  }

  partitionOf(key: unknown): number {
    return statePartitionOf(key, this.layout.partitions);
  }

  holds(partition: number): boolean {
    return this.#owned ? this.#owned.has(partition) : partition >= 0 && partition < this.layout.partitions;
  }

  /** The state partition of input partition `id` (`topic\0partition`); undefined: another topic's. */
  numberOf(id: string): number | undefined {
    const { topic, partition } = parsePartitionId(id);
    return topic === this.layout.topic ? partition : undefined;
  }

  /** The state partitions held, in partition order. */
  held(): { topic: string; partition: number }[] {
    const out: { topic: string; partition: number }[] = [];
    for (let partition = 0; partition < this.layout.partitions; partition++)
      if (this.holds(partition)) out.push({ topic: this.layout.topic, partition });
    return out;
  }

  /**
   * Throws `SLUICE_STATE_PARTITION` (and logs it) for the first key whose state partition is not
   * held here: the stream is keyed by something other than the Kafka record key.
   */
  check(node: KeyedStateNode, keys: Iterable<unknown>): void {
    for (const key of keys) {
      const partition = this.partitionOf(key);
      if (this.holds(partition)) continue;
      throw notHeld(
        node,
        key,
        partition,
        this.layout,
        this.held().map((held) => held.partition),
        this.#log,
      );
    }
  }
}

function checkLayout(layout: StateLayout): void {
  if (!Number.isSafeInteger(layout.partitions) || layout.partitions < 1) {
    throw new SluiceError(
      ErrorCode.state,
      `keyed state needs the partition count of topic ${layout.topic}, an integer >= 1; got ${layout.partitions}`,
    );
  }
}

function notHeld(
  node: KeyedStateNode,
  key: unknown,
  partition: number,
  layout: StateLayout,
  owned: readonly number[],
  log: StateLog | undefined,
): SluiceError {
  const where = `state partition ${partition} of topic ${layout.topic} (murmur2 of the key % ${layout.partitions})`;
  log?.error(
    { node: node.id, operator: node.kind, key: keyText(key), statePartition: partition, owned },
    'a key belongs to a state partition this instance does not own: repartition the stream by its key',
  );
  return new SluiceError(
    ErrorCode.statePartition,
    `${node.kind} (node ${node.id}): key ${keyText(key)} belongs to ${where}, which this instance does not own (it owns ${owned.join(', ') || 'none'}); the stream's key is not the Kafka record key, so its state would live apart from its input partition. Repartition by the key first: write the pairs to a topic with toKafka (keyed by the pair's key, murmur2) and run the state operation on that topic`,
  );
}

/**
 * Keyed state's tables, cut into state partitions that live and move with the input partitions
 * of the same number (Kafka Streams' co-partitioning): a slot holds one per state partition it
 * keeps. Only partitions owned are held; a key of another one fails the batch, since its state
 * would be kept in the wrong place.
 */
export class KeyedStateStore {
  #layout: StateLayout | undefined;
  /** Input partition ids owned here; undefined: every partition of the layout. */
  #owned: ReadonlySet<string> | undefined;
  #partitions = new Map<string, StatePartition>();
  readonly #log: StateLog | undefined;
  readonly #seeds = new Map<number, Map<number, (readonly [unknown, unknown])[]>>();

  constructor(options: { readonly layout?: StateLayout; readonly log?: StateLog } = {}) {
    if (options.layout) this.setLayout(options.layout);
    this.#log = options.log;
  }

  get layout(): StateLayout | undefined {
    return this.#layout;
  }

  setLayout(layout: StateLayout): void {
    checkLayout(layout);
    this.#layout = layout;
    this.#seeds.clear();
  }

  /** The input partitions owned now; the state partitions of the others go. */
  own(partitions: Iterable<{ readonly topic: string; readonly partition: number }>): void {
    const owned = new Set<string>();
    for (const { topic, partition } of partitions) owned.add(partitionId(topic, partition));
    this.#owned = owned;
    for (const id of this.#partitions.keys()) if (!owned.has(id)) this.#partitions.delete(id);
  }

  /**
   * Before a batch's state operations: every owned state partition is held, and an operation
   * new to one starts from its initial state (batch time `time` as the keys' last update).
   */
  begin(nodes: readonly KeyedStateNode[], time: number): void {
    const layout = this.#requireLayout();
    for (let partition = 0; partition < layout.partitions; partition++) {
      const id = partitionId(layout.topic, partition);
      if (this.#owned && !this.#owned.has(id)) continue;
      const held = this.#partitionOf(id, layout.topic, partition);
      for (const node of nodes) {
        if (held.tables.has(node.id)) continue;
        const table = new Map<unknown, StateEntry>();
        for (const [key, state] of this.#seedsOf(node, layout).get(partition) ?? []) {
          table.set(keyIdentity(key), { key, state, at: time });
        }
        held.tables.set(node.id, table);
      }
    }
  }

  /**
   * Throws `SLUICE_STATE_PARTITION` (and logs it) for the first key whose state partition is not
   * held here: the stream is keyed by something other than the Kafka record key.
   */
  check(node: KeyedStateNode, keys: Iterable<unknown>): void {
    const layout = this.#requireLayout();
    for (const key of keys) {
      const partition = statePartitionOf(key, layout.partitions);
      if (this.#partitions.has(partitionId(layout.topic, partition))) continue;
      const owned = [...this.#partitions.values()].map((held) => held.partition);
      throw notHeld(node, key, partition, layout, owned, this.#log);
    }
  }

  /** The state partition of a key in this layout. */
  partitionOf(key: unknown): number {
    return statePartitionOf(key, this.#requireLayout().partitions);
  }

  /** Whether state partition `partition` is held here (its input partition is owned). */
  holds(partition: number): boolean {
    return this.#partitions.has(partitionId(this.#requireLayout().topic, partition));
  }

  /** The table of `node` in the state partition of `key` (after `check`). */
  table(node: number, key: unknown): Map<unknown, StateEntry> {
    const layout = this.#requireLayout();
    const id = partitionId(layout.topic, statePartitionOf(key, layout.partitions));
    const table = this.#partitions.get(id)?.tables.get(node);
    if (!table) throw new SluiceError(ErrorCode.state, `no state of node ${node} in state partition ${id}`);
    return table;
  }

  /** The node's tables, in partition order: the order in which state is emitted. */
  *tables(node: number): Generator<Map<unknown, StateEntry>> {
    for (const held of this.#partitions.values()) {
      const table = held.tables.get(node);
      if (table) yield table;
    }
  }

  /** Keys with state over every node and state partition held: the keyed state's size. */
  get size(): number {
    let keys = 0;
    for (const held of this.#partitions.values())
      for (const table of held.tables.values()) keys += table.size;
    return keys;
  }

  /** The state partitions held, in partition order. */
  held(): { topic: string; partition: number }[] {
    return [...this.#partitions.values()].map(({ topic, partition }) => ({ topic, partition }));
  }

  /** A state partition for its input partition's checkpoint (id: `topic\0partition`). */
  snapshot(id: string): KeyedSnapshot {
    const held = this.#partitions.get(id);
    if (!held) return [];
    return [...held.tables].map(([node, table]) => [
      node,
      [...table.values()].map((entry): [unknown, unknown, number] => [entry.key, entry.state, entry.at]),
    ]);
  }

  /** Replaces a state partition with a checkpoint's (an empty snapshot: none held). */
  restore(id: string, snapshot: KeyedSnapshot): void {
    this.#partitions.delete(id);
    if (snapshot.length === 0) return;
    const { topic, partition } = parsePartitionId(id);
    const held = this.#partitionOf(id, topic, partition);
    for (const [node, entries] of snapshot) {
      const table = new Map<unknown, StateEntry>();
      for (const [key, state, at] of entries) table.set(keyIdentity(key), { key, state, at });
      held.tables.set(node, table);
    }
  }

  /** Drops the state partition of an input partition that left this instance. */
  forget(id: string): void {
    this.#partitions.delete(id);
  }

  #requireLayout(): StateLayout {
    if (!this.#layout) {
      throw new SluiceError(
        ErrorCode.state,
        'keyed state needs the number of input partitions, and none was given to the state store',
      );
    }
    return this.#layout;
  }

  #partitionOf(id: string, topic: string, partition: number): StatePartition {
    let held = this.#partitions.get(id);
    if (held) return held;
    held = { topic, partition, tables: new Map() };
    this.#partitions.set(id, held);
    this.#partitions = new Map([...this.#partitions].sort(([, a], [, b]) => a.partition - b.partition));
    return held;
  }

  #seedsOf(node: KeyedStateNode, layout: StateLayout): Map<number, (readonly [unknown, unknown])[]> {
    let seeds = this.#seeds.get(node.id);
    if (seeds) return seeds;
    seeds = new Map();
    if (node.kind === 'mapWithState') {
      for (const pair of node.initialState) {
        const partition = statePartitionOf(pair[0], layout.partitions);
        const list = seeds.get(partition) ?? [];
        list.push(pair);
        seeds.set(partition, list);
      }
    }
    this.#seeds.set(node.id, seeds);
    return seeds;
  }
}

/** The tables of the one state partition `id` (`topic\0partition`) of a layout. */
export function storeFor(layout: StatePartitions['layout'], id: string, log?: StateLog): KeyedStateStore {
  const store = new KeyedStateStore({ layout, ...(log ? { log } : {}) });
  store.own([parsePartitionId(id)]);
  return store;
}
