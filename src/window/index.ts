// window/: event-time windows — panes, combiners, window state, watermarks; worker slots and main thread.

export { type AggregationSpec, Aggregations, type PaneOps, paneOps } from './aggregation.ts';
export { IncrementalCombiner, MonotonicCombiner, TwoStacksCombiner } from './combiner.ts';
export { KeyDictionary } from './key-dictionary.ts';
export { PaneTable } from './pane-table.ts';
export {
  coalesceSessions,
  type SessionKeyUpdate,
  type SessionPart,
  type SessionsSnapshot,
  SessionWindows,
  sessionTouches,
} from './session-windows.ts';
export {
  batchIntervalProblem,
  EVENT_TIME_RANGE,
  firstWindowEnd,
  gcd,
  isEventTime,
  isSessionSpec,
  lastWindowEnd,
  type SessionWindowSpec,
  type WindowSpec,
  Windows,
  windowEnds,
} from './spec.ts';
export type { LateRecord, SessionResult, SessionRetraction, WindowResult } from './types.ts';
export { type PartitionClockSnapshot, WatermarkTracker } from './watermark.ts';
export {
  type EmitMode,
  FinalWindows,
  type FiredWindow,
  RecordWindows,
  UpdateWindows,
  type WindowsSnapshot,
} from './window-state.ts';
