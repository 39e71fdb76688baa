// Event-time and window operators of a slot: withWatermark, window, and a window aggregation's partials.
import { keyIdentity } from '../../core/index.ts';
import type { WatermarkNode, WindowAggregateNode, WindowNode } from '../../dsl/index.ts';
import { ErrorCode, SluiceError } from '../../errors/index.ts';
import {
  type FinalWindows,
  type FiredWindow,
  isSessionSpec,
  type RecordWindows,
  type SessionWindows,
  type UpdateWindows,
} from '../../window/index.ts';
import { statePartitionOf } from '../state-store.ts';
import type { BatchWindows } from '../window-ops.ts';
import type { BatchScope, PartialStage, Receiver, Stage } from './types.ts';

/** The partition's windows; window operators keep state there, so they run in slots only. */
function slotWindows(scope: BatchScope, kind: string): BatchWindows {
  if (!scope.windows) {
    throw new SluiceError(ErrorCode.jobInvalid, `${kind} runs in the workers, never on the main thread`);
  }
  return scope.windows;
}

/** The time a window operation files the value being pushed under: its event or processing time. */
function timeOf(node: WindowNode, scope: BatchScope, windows: BatchWindows): () => number {
  if (!windows.eventTime(node.id)) return () => windows.processingTime;
  return () => {
    if (Number.isNaN(scope.time)) {
      throw new SluiceError(
        ErrorCode.jobInvalid,
        'an event-time window received a value without event time: a transform between withWatermark and the window drops it',
      );
    }
    return scope.time;
  };
}

/** `withWatermark`: reads the value's event time (or keeps the record's) and feeds the watermark. */
export function watermarkStage(node: WatermarkNode, scope: BatchScope, emit: Receiver): Stage {
  const windows = slotWindows(scope, node.kind);
  const timestamp = node.timestamp;
  return {
    push: (value) => {
      if (timestamp) scope.time = timestamp(value);
      windows.observe(node.id, scope.time);
      emit(value);
    },
  };
}

/** Spark's `window`: values kept per pane; at the batch end, the values of every window that fired. */
export function windowStage(
  node: Extract<WindowNode, { kind: 'window' }>,
  scope: BatchScope,
  emit: Receiver,
): Stage {
  const windows = slotWindows(scope, node.kind);
  const state = windows.state(node) as RecordWindows;
  const late = scope.emitter(node.id, true);
  const time = timeOf(node, scope, windows);
  return {
    push: (value) => {
      const at = time();
      if (state.isLate(at)) late(windows.lateRecord(at, value));
      else state.add(value, at);
    },
    end: () => {
      windows.finish(node);
      const fired = state.takeFired();
      if (fired.length > 0) scope.fired.push(node.id);
      scope.time = Number.NaN;
      for (const window of fired) for (const value of window.values) emit(value);
    },
  };
}

/**
 * Adds a value to a window aggregation's state as (key, value): a pair, the value as its own key
 * (countByValueAndWindow), or one key for the whole stream. No tuple per record.
 */
function keyedAdd(
  node: WindowAggregateNode,
): (state: FinalWindows | UpdateWindows | SessionWindows, value: unknown, time: number) => void {
  switch (node.input) {
    case 'pairs':
      return (state, value, time) => {
        const pair = value as readonly [unknown, unknown];
        state.add(pair[0], pair[1], time);
      };
    case 'values':
      return (state, value, time) => state.add(value, 1, time);
    case 'single':
      return (state, value, time) => state.add(null, value, time);
  }
}

/**
 * A window aggregation in a slot: values added to the partition's panes by (key, value); at the
 * batch end, the partials of the windows it fired (or changed) go to the main thread.
 */
export function windowAggregatePartial(
  node: WindowAggregateNode,
  scope: BatchScope,
  statePartitions: number | undefined,
): PartialStage {
  const windows = slotWindows(scope, node.kind);
  const state = windows.state(node) as FinalWindows | UpdateWindows | SessionWindows;
  const late = scope.emitter(node.id, true);
  const add = keyedAdd(node);
  const time = timeOf(node, scope, windows);
  let partial: ReturnType<PartialStage['partial']> = { node: node.id, kind: 'windows', windows: [] };
  const push = (value: unknown): void => {
    const at = time();
    if (state.isLate(at)) late(windows.lateRecord(at, value));
    else add(state, value, at);
  };
  if (isSessionSpec(node.spec)) {
    return {
      push,
      // No `fired`: whether sessions close is known only once every partition's are merged.
      end: () => {
        const keys = windows.collectSessions(node);
        partial = {
          node: node.id,
          kind: 'sessions',
          through: windows.watermark,
          keys,
          ...(statePartitions === undefined
            ? {}
            : { partitions: keys.map(([key]) => statePartitionOf(key, statePartitions)) }),
        };
      },
      partial: () => partial,
    };
  }
  return {
    push,
    end: () => {
      const fired = windows.collect(node);
      if (fired.length > 0) scope.fired.push(node.id);
      partial = {
        node: node.id,
        kind: 'windows',
        windows: fired,
        ...(statePartitions === undefined ? {} : { partitions: pairPartitions(fired, statePartitions) }),
      };
    },
    partial: () => partial,
  };
}

/** Each fired pair's state partition; a key in several windows (sliding) is hashed once. */
function pairPartitions(fired: readonly FiredWindow[], statePartitions: number): number[][] {
  const known = new Map<unknown, number>();
  return fired.map((window) =>
    window.pairs.map(([key]) => {
      const normalized = keyIdentity(key);
      let q = known.get(normalized);
      if (q === undefined) {
        q = statePartitionOf(key, statePartitions);
        known.set(normalized, q);
      }
      return q;
    }),
  );
}
