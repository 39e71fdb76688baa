// api/: what `import … from 'sluice'` gives — the job API, aggregations, errors and startJob; main thread and worker slots.

export { type JobRun, type RunSummary, type StartJobOptions, startJob } from '../app/index.ts';
export type { BatchStats } from '../coordinator/index.ts';
export {
  type AsyncCall,
  type AsyncOptions,
  type BatchInfo,
  DStream,
  defineJob,
  type InputFormat,
  type IntervalJoinOptions,
  type Job,
  type JobBuilder,
  type JobContext,
  type KafkaOutputOptions,
  type Key,
  type MappingFunction,
  type MapWithStateDStream,
  type MapWithStateSpec,
  type OffsetRange,
  type Origin,
  type Pair,
  type PostgresColumn,
  type PostgresOutputOptions,
  type SourceRecord,
  type State,
  StateSpec,
  type StreamOptions,
  type Table,
} from '../dsl/index.ts';
export { ErrorCode, isSluiceError, SluiceError } from '../errors/index.ts';
export type { ClickEvent } from '../task/index.ts';
export {
  type AggregationSpec,
  Aggregations,
  type EmitMode,
  type LateRecord,
  type SessionResult,
  type SessionRetraction,
  type SessionWindowSpec,
  type WindowResult,
  type WindowSpec,
  Windows,
} from '../window/index.ts';
