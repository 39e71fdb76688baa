// A keyed state operation's slot side (updateStateByKey, mapWithState, the interval and table joins): values grouped per key.
import { encodePlain, type SourceRecord } from '../../core/index.ts';
import type { IntervalJoinNode, KeyedStateNode, TableJoinNode } from '../../dsl/index.ts';
import { ErrorCode, SluiceError } from '../../errors/index.ts';
import { type JoinInput, LEFT, RIGHT } from '../interval-join.ts';
import type { Export } from '../partials.ts';
import { KeyGroups } from '../partials.ts';
import { statePartitionOf } from '../state-store.ts';
import { STREAM, TABLE, type TableJoinInput } from '../table-join.ts';
import type { BatchScope, PairStage, PartialStage, Receiver } from './types.ts';

/**
 * Pairs grouped per key in record order; the state itself runs in the state partition's slot
 * (`state-ops.ts`). With `statePartitions`, the groups go out split by state partition, encoded.
 */
export function keyedStatePartial(
  node: KeyedStateNode,
  scope: BatchScope,
  statePartitions: number | undefined,
): PartialStage {
  if (node.kind === 'intervalJoin') return intervalJoinPartial(node, scope, statePartitions);
  if (node.kind === 'tableJoin') return tableJoinPartial(node, statePartitions);
  const groups = new KeyGroups();
  return {
    push: (value) => {
      const [key, inner] = value as [unknown, unknown];
      groups.add(key, inner);
    },
    partial: () => groupsExport(node.id, groups, statePartitions),
  };
}

/**
 * An interval join's slot side: each side's pairs grouped per key as `[side, eventTime, value]`.
 * A value older than the watermark the batch runs with is late: no value waits for it any more.
 */
function intervalJoinPartial(
  node: IntervalJoinNode,
  scope: BatchScope,
  statePartitions: number | undefined,
): PartialStage & PairStage {
  const windows = scope.windows;
  if (!windows) {
    throw new SluiceError(ErrorCode.jobInvalid, `intervalJoin (node ${node.id}) runs in the workers only`);
  }
  const groups = new KeyGroups();
  const receiver =
    (side: JoinInput[0]): Receiver =>
    (value) => {
      const [key, inner] = value as [unknown, unknown];
      const time = scope.time;
      if (Number.isNaN(time)) {
        throw new SluiceError(
          ErrorCode.jobInvalid,
          `intervalJoin (node ${node.id}) received a value without event time: a transform between withWatermark and the join drops it`,
        );
      }
      if (time < windows.watermark) windows.lateRecord(time, value);
      else groups.add(key, [side, time, inner] satisfies JoinInput);
    };
  const [left, right] = node.parents;
  const fromLeft = receiver(LEFT);
  const fromRight = receiver(RIGHT);
  return {
    // A self-join (both parents one stream) is refused when the job is built.
    pushFrom: (parent) => (parent === left ? fromLeft : parent === right ? fromRight : fromLeft),
    push: fromLeft,
    partial: () => groupsExport(node.id, groups, statePartitions),
  };
}

/**
 * A stream–table join's slot side: the stream's pairs and the table's records (by record key; a
 * record without one is no table entry and is skipped, as Kafka Streams skips it) grouped per key.
 */
function tableJoinPartial(
  node: TableJoinNode,
  statePartitions: number | undefined,
): PartialStage & PairStage {
  const groups = new KeyGroups();
  const fromStream: Receiver = (value) => {
    const [key, inner] = value as [unknown, unknown];
    groups.add(key, [STREAM, inner] satisfies TableJoinInput);
  };
  const fromTable: Receiver = (value) => {
    const record = value as SourceRecord;
    if (record.key !== null) groups.add(record.key, [TABLE, record.value] satisfies TableJoinInput);
  };
  const table = node.parents[1];
  return {
    pushFrom: (parent) => (parent === table ? fromTable : fromStream),
    push: fromStream,
    partial: () => groupsExport(node.id, groups, statePartitions),
  };
}

function groupsExport(node: number, groups: KeyGroups, statePartitions: number | undefined): Export {
  return statePartitions === undefined
    ? { node, kind: 'groups', groups: groups.groups() }
    : { node, kind: 'stateGroups', parts: encodeByStatePartition(groups, statePartitions) };
}

/** Groups split by the state partition of their key, each part msgpack, partitions in order. */
function encodeByStatePartition(groups: KeyGroups, partitions: number): [number, Uint8Array][] {
  const split = new Map<number, [unknown, unknown[]][]>();
  for (const group of groups.groups()) {
    const partition = statePartitionOf(group[0], partitions);
    const list = split.get(partition) ?? [];
    list.push(group);
    split.set(partition, list);
  }
  return [...split]
    .sort(([a], [b]) => a - b)
    .map(([partition, list]): [number, Uint8Array] => [partition, encodePlain(list)]);
}
