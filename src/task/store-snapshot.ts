// Checkpoint encodings of a partition's window state and of any checkpointed value (msgpack).

import { decodePlain, encodePlain } from '../core/index.ts';
import type { Plan } from '../dsl/index.ts';
import { isWindow } from '../dsl/index.ts';
import { ErrorCode, SluiceError } from '../errors/index.ts';
import { type SessionsSnapshot, SessionWindows, type WindowsSnapshot } from '../window/index.ts';
import { createWindowState, type PartitionStore } from './window-ops.ts';

/** Any checkpointed value as msgpack bytes. */
export function packState(value: unknown): Uint8Array {
  return encodePlain(value);
}

export function unpackState(bytes: Uint8Array): unknown {
  return decodePlain(bytes);
}

/** A partition's window state as msgpack bytes: `[node id, state]` per window operation. */
export function encodeStore(store: PartitionStore): Uint8Array {
  const nodes: [number, WindowsSnapshot | SessionsSnapshot][] = [...store].map(([node, state]) => [
    node,
    state.snapshot(),
  ]);
  return encodePlain(nodes);
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
