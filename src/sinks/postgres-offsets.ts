// PostgreSQL exactly-once: a batch's offset ranges against the stored ends say apply, skip or conflict.

import type { OffsetRange } from '../core/index.ts';
import { partitionId } from '../core/index.ts';

/** Stored ends by `offsetKey`. */
export type StoredOffsets = ReadonlyMap<string, bigint>;

export const offsetKey = partitionId;

/** One range against its stored end: the next to write, the first ever, or one already written. */
export type RangeState =
  | { readonly kind: 'next'; readonly range: OffsetRange }
  | { readonly kind: 'first'; readonly range: OffsetRange }
  | { readonly kind: 'written'; readonly range: OffsetRange; readonly stored: bigint }
  | { readonly kind: 'mismatch'; readonly range: OffsetRange; readonly stored: bigint };

/**
 * What to do with a batch under exactly-once (Spark's recipe): `apply` when every range starts
 * where its partition's stored end is (or the partition has none yet); `skip` when every range
 * ends at or before the stored end, as a replayed batch does; anything else (a range across the
 * stored end, a gap after it, or a batch half written and half not) is a `conflict`: such a batch
 * can be neither written nor skipped without writing a record twice or losing one.
 * Empty ranges say nothing and are left out.
 */
export type OffsetMatch =
  | { readonly kind: 'apply'; readonly ranges: readonly RangeState[] }
  | { readonly kind: 'skip'; readonly ranges: readonly RangeState[] }
  | { readonly kind: 'conflict'; readonly ranges: readonly RangeState[] };

export function rangeState(range: OffsetRange, stored: bigint | undefined): RangeState {
  if (stored === undefined) return { kind: 'first', range };
  if (range.fromOffset === stored) return { kind: 'next', range };
  if (range.untilOffset <= stored) return { kind: 'written', range, stored };
  return { kind: 'mismatch', range, stored };
}

export function matchOffsets(ranges: readonly OffsetRange[], stored: StoredOffsets): OffsetMatch {
  const states = ranges
    .filter((range) => range.untilOffset > range.fromOffset)
    .map((range) => rangeState(range, stored.get(offsetKey(range.topic, range.partition))));
  if (states.every((state) => state.kind === 'next' || state.kind === 'first')) {
    return { kind: 'apply', ranges: states };
  }
  if (states.every((state) => state.kind === 'written')) return { kind: 'skip', ranges: states };
  return { kind: 'conflict', ranges: states };
}

/** A range for messages: `clicks/2 [10, 20)`. */
export function describeRange(range: OffsetRange): string {
  return `${range.topic}/${range.partition} [${range.fromOffset}, ${range.untilOffset})`;
}

/** Why a conflicting batch cannot be applied, one clause per range that does not fit. */
export function conflictText(ranges: readonly RangeState[]): string {
  return ranges
    .filter((state) => state.kind !== 'next' && state.kind !== 'first')
    .map((state) =>
      state.kind === 'written'
        ? `${describeRange(state.range)} is already written (stored end ${state.stored})`
        : `${describeRange(state.range)} does not start at the stored end ${'stored' in state ? state.stored : ''}`,
    )
    .join('; ');
}
