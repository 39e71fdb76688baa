// A partition's window state for one batch: panes per window node, late records and their policy.

import type { BatchInfo, Origin } from '../core/index.ts';
import type { Plan, WindowAggregateNode, WindowNode } from '../dsl/index.ts';
import { ErrorCode, SluiceError, sampleValue } from '../errors/index.ts';
import {
  EVENT_TIME_RANGE,
  FinalWindows,
  type FiredWindow,
  isEventTime,
  isSessionSpec,
  type LateRecord,
  paneOps,
  RecordWindows,
  type SessionKeyUpdate,
  SessionWindows,
  UpdateWindows,
} from '../window/index.ts';

export type WindowState = FinalWindows | UpdateWindows | RecordWindows | SessionWindows;

/** One partition's window state, by node id: it outlives the batch, in the partition's slot. */
export type PartitionStore = Map<number, WindowState>;

/** What happens to late records besides being counted: nothing more, or the dead-letter topic. */
export type LatePolicy = 'count' | 'dlq';

export type LateSample = Origin & { readonly eventTime: number; readonly watermark: number };

/** The record being pushed, for late records' origin and bytes. */
export type Cursor = {
  origin(): Origin;
  raw(): { readonly key: Uint8Array | null; readonly value: Uint8Array | null };
};

export const LATE_SAMPLE = 5;

export function lateError(eventTime: number, watermark: number): string {
  return `late record: event time ${eventTime} is older than the watermark ${watermark}`;
}

export function createWindowState(node: WindowNode): WindowState {
  if (node.kind === 'window') return new RecordWindows(node.spec);
  const ops = paneOps(node.aggregation);
  if (isSessionSpec(node.spec)) return new SessionWindows(node.spec.gapMs, ops);
  return node.emit === 'update' ? new UpdateWindows(node.spec, ops) : new FinalWindows(node.spec, ops);
}

/**
 * The worker's side of a batch's windows: the watermark moves before the records (event time) or
 * after them (processing time, to the batch time); late records are counted and handed on.
 */
export class BatchWindows {
  readonly #plan: Plan;
  readonly #info: BatchInfo;
  readonly #store: PartitionStore;
  readonly #cursor: Cursor;
  readonly #latePolicy: LatePolicy;
  readonly #maxAheadMs: number;
  readonly #maxEventTime = new Map<number, number>();
  #lastLateOffset: bigint | undefined;
  late = 0;
  readonly lateSample: LateSample[] = [];
  readonly lateDeadLetters: (Origin & { error: string; key: Uint8Array | null; value: Uint8Array | null })[] =
    [];

  constructor(
    plan: Plan,
    info: BatchInfo,
    store: PartitionStore,
    cursor: Cursor,
    latePolicy: LatePolicy,
    maxAheadMs = Number.POSITIVE_INFINITY,
  ) {
    this.#plan = plan;
    this.#maxAheadMs = maxAheadMs;
    this.#info = info;
    this.#store = store;
    this.#cursor = cursor;
    this.#latePolicy = latePolicy;
    for (const node of plan.windows) {
      if (plan.eventTime[node.id]) this.state(node).advance(this.watermark);
    }
  }

  /** The engine's event-time watermark as of the batch start; +∞ at the end of input. */
  get watermark(): number {
    return this.#info.watermark ?? Number.NEGATIVE_INFINITY;
  }

  /** Whether window operation `node` runs on event time (it follows a withWatermark). */
  eventTime(node: number): boolean {
    return this.#plan.eventTime[node] === true;
  }

  /** Processing time: a batch's records belong to the millisecond before the batch time. */
  get processingTime(): number {
    return this.#info.time - 1;
  }

  state(node: WindowNode): WindowState {
    let state = this.#store.get(node.id);
    if (!state) {
      state = createWindowState(node);
      this.#store.set(node.id, state);
    }
    return state;
  }

  /**
   * Takes a record's event time for a withWatermark node. Only times windows can hold count: one
   * outside a Date's range, or further ahead of the batch time (the wall clock when the batch was
   * cut, so a replayed batch decides the same) than SLUICE_MAX_EVENT_TIME_AHEAD_MS, would drag the
   * watermark past every real record; it is a decode error before it moves anything.
   */
  observe(watermarkNode: number, eventTime: number): void {
    if (!isEventTime(eventTime)) {
      throw new SluiceError(
        ErrorCode.decode,
        `withWatermark: the event time must be ${EVENT_TIME_RANGE}; got ${sampleValue(eventTime)}`,
      );
    }
    const ahead = eventTime - this.#info.time;
    if (ahead > this.#maxAheadMs) {
      throw new SluiceError(
        ErrorCode.decode,
        `withWatermark: the event time ${eventTime} (${new Date(eventTime).toISOString()}) is ${ahead} ms ahead of the batch time ${this.#info.time}; SLUICE_MAX_EVENT_TIME_AHEAD_MS allows ${this.#maxAheadMs}`,
      );
    }
    const max = this.#maxEventTime.get(watermarkNode);
    if (max === undefined || eventTime > max) this.#maxEventTime.set(watermarkNode, eventTime);
  }

  /**
   * Counts a late record and returns what `lateRecords()` receives. A record late for several
   * window operations (or whose flatMap values are) is counted and dead-lettered once.
   */
  lateRecord(eventTime: number, value: unknown): LateRecord {
    const origin = this.#cursor.origin();
    const watermark = this.watermark;
    if (origin.offset !== this.#lastLateOffset) {
      this.#lastLateOffset = origin.offset;
      this.late++;
      if (this.lateSample.length < LATE_SAMPLE) this.lateSample.push({ ...origin, eventTime, watermark });
      if (this.#latePolicy === 'dlq') {
        this.lateDeadLetters.push({
          ...origin,
          error: lateError(eventTime, watermark),
          ...this.#cursor.raw(),
        });
      }
    }
    return {
      topic: origin.topic,
      partition: origin.partition,
      offset: origin.offset.toString(),
      eventTime,
      watermark,
      value,
    };
  }

  /** Moves processing-time windows to the batch time; event-time ones moved at the start. */
  finish(node: WindowNode): void {
    if (this.#plan.eventTime[node.id]) return;
    const end = this.watermark === Number.POSITIVE_INFINITY ? this.watermark : this.#info.time;
    this.state(node).advance(end);
  }

  /** Ends the batch for a session window aggregation: every open session of the keys it touched. */
  collectSessions(node: WindowAggregateNode): SessionKeyUpdate[] {
    const state = this.state(node);
    return state instanceof SessionWindows ? state.takeUpdates() : [];
  }

  /**
   * Ends the batch for a window aggregation: the partials of the windows it fired (final mode),
   * or of those the batch changed (update mode, taken before time moves on and closes some).
   */
  collect(node: WindowAggregateNode): FiredWindow[] {
    const state = this.state(node);
    if (state instanceof UpdateWindows) {
      const updates = state.takeUpdates();
      this.finish(node);
      return updates;
    }
    this.finish(node);
    return state instanceof FinalWindows ? state.takeFired() : [];
  }

  maxEventTimes(): [number, number][] {
    return [...this.#maxEventTime];
  }
}
