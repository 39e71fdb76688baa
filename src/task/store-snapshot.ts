// Checkpoint encodings of a partition's window state and of any checkpointed value (msgpack).

import { decodePlain, encodePlain, joinArray } from '../core/index.ts';
import type { Plan } from '../dsl/index.ts';
import { isWindow } from '../dsl/index.ts';
import { ErrorCode, SluiceError } from '../errors/index.ts';
import { type SessionsSnapshot, SessionWindows, type WindowsSnapshot } from '../window/index.ts';
import type { KeyedSnapshot } from './state-store.ts';
import { createWindowState, type PartitionStore } from './window-ops.ts';

/** Any checkpointed value as msgpack bytes. */
export function packState(value: unknown): Uint8Array {
  return encodePlain(value);
}

export function unpackState(bytes: Uint8Array): unknown {
  return decodePlain(bytes);
}

/** Each operation's share of a snapshot: `[node id, msgpack bytes of its part]`. */
export type NodeBytes = readonly (readonly [node: number, bytes: number])[];

/** A partition's window state for a checkpoint, and what each window operation takes of it. */
export type SlotSnapshot = { readonly state: Uint8Array; readonly nodeBytes: NodeBytes };

/**
 * A partition's window state as msgpack bytes: `[node id, state]` per window operation. Each part
 * is encoded alone and the parts joined under one array header, the very bytes one encoding of
 * the list gives, so the checkpoint's format stays and each part's size is known.
 */
export function encodeStore(store: PartitionStore): SlotSnapshot {
  const parts = [...store].map(([node, state]): [number, Uint8Array] => [
    node,
    encodePlain([node, state.snapshot()]),
  ]);
  return {
    state: joinArray(parts.map(([, bytes]) => bytes)),
    nodeBytes: parts.map(([node, bytes]) => [node, bytes.byteLength]),
  };
}

/** A state partition's keyed state for a checkpoint, and what each operation takes of it. */
export type KeyedSlotSnapshot = { readonly state: KeyedSnapshot; readonly nodeBytes: NodeBytes };

/** Measures a state partition's keyed state per operation as msgpack, as the checkpoint encodes it. */
export function measureKeyed(state: KeyedSnapshot): KeyedSlotSnapshot {
  return {
    state,
    nodeBytes: state.map(([node, entries]) => [node, encodePlain([node, entries]).byteLength]),
  };
}

/** Rebuilds a partition's window state; a node that is not the plan's window operation is refused. */
export function decodeStore(plan: Plan, bytes: Uint8Array): PartitionStore {
  const nodes = decodePlain(bytes) as [number, WindowsSnapshot | SessionsSnapshot][];
  const store: PartitionStore = new Map();
  for (const [id, snapshot] of nodes) {
    const node = plan.nodes[id];
    if (!node || !isWindow(node)) {
      throw new SluiceError(
        ErrorCode.checkpoint,
        `the checkpoint holds state for node ${id}, which is no window operation of this job`,
      );
    }
    const state = createWindowState(node);
    if (state instanceof SessionWindows) state.restore(snapshot as SessionsSnapshot);
    else state.restore(snapshot as WindowsSnapshot);
    store.set(id, state);
  }
  return store;
}
