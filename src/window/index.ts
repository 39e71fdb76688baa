export {
  type Aggregation,
  type AggregationSpec,
  Aggregations,
  type BuiltIn,
  type PaneOps,
  paneOps,
} from './aggregation.ts';
export { IncrementalCombiner, MonotonicCombiner, TwoStacksCombiner } from './combiner.ts';
export { KeyDictionary } from './key-dictionary.ts';
export { PaneTable } from './pane-table.ts';
export {
  batchIntervalProblem,
  firstWindowEnd,
  gcd,
  lastWindowEnd,
  type WindowSpec,
  Windows,
} from './spec.ts';
export type { LateRecord, WindowResult } from './types.ts';
export { WatermarkTracker } from './watermark.ts';
export {
  type EmitMode,
  FinalWindows,
  type FiredWindow,
  RecordWindows,
  UpdateWindows,
  Windowing,
} from './window-state.ts';
