// The dashboard's JSON beyond batches and status: /api/job, /api/environment, /api/batch?id= and /api/state.

import type { NodeShare } from '../app/index.ts';
import { partitionName } from '../core/index.ts';
import type { BatchHistory } from './batch-history.ts';
import { json } from './json-response.ts';
import { batchIdParam } from './query.ts';
import type { RunView } from './run-view.ts';
import type { Route } from './types.ts';

/**
 * `/api/state`: state per partition and per window operation, and the checkpoints. Keys and entries
 * are the newest batch's; bytes are the newest checkpoint's (msgpack before compression, measured
 * as it is written; null before the first save or for what it did not hold).
 */
export type StateJson = {
  /** When the bytes were measured: the newest save's time, epoch ms. */
  readonly bytesAt: number | null;
  /** Per input partition, each window operation's keys (or records of window()) and bytes. */
  readonly windows: readonly {
    readonly topic: string;
    readonly partition: number;
    readonly operators: readonly {
      readonly node: number;
      readonly entries: number;
      readonly bytes: number | null;
    }[];
  }[];
  /** Keyed state per state partition held here: keys, bytes, and bytes per operation. */
  readonly keyed: readonly {
    readonly statePartition: number;
    readonly keys: number;
    readonly bytes: number | null;
    readonly operators: readonly NodeShare[];
  }[];
  /** Per input partition, its last checkpoint's size, and of it the window and keyed state's. */
  readonly bytes: readonly {
    readonly topic: string;
    readonly partition: number;
    readonly bytes: number;
    readonly windowBytes: number;
    readonly keyedBytes: number | null;
  }[];
  readonly checkpoints: {
    readonly saves: readonly unknown[];
    readonly lastRestore: unknown;
  } | null;
};

export function dashboardApiRoutes(view: RunView, history: BatchHistory): [string, Route][] {
  return [
    [
      '/api/job',
      () => {
        const header = view.header(Date.now());
        return json(200, header ?? { started: false });
      },
    ],
    ['/api/environment', () => json(200, { variables: view.environment() })],
    [
      '/api/batch',
      (query) => {
        const id = batchIdParam(query);
        if (typeof id !== 'number') return id;
        const detail = history.get(id);
        if (detail) return json(200, detail);
        const failure = view.failure;
        if (failure?.batch.batchId === id) return json(200, { failed: failure });
        return json(404, { error: `batch ${id} is not in the history (it keeps the last batches only)` });
      },
    ],
    ['/api/state', () => json(200, stateOf(view, history))],
  ];
}

export function stateOf(view: RunView, history: BatchHistory): StateJson {
  const newest = history.newest();
  const checkpoints = view.checkpoints();
  const save = checkpoints?.saves[0];
  const saved = new Map(
    (save?.partitions ?? []).map((item) => [partitionName(item.topic, item.partition), item]),
  );
  const keyedSaved = new Map(
    (save?.partitions ?? []).flatMap(({ keyed }) => (keyed ? [[keyed.statePartition, keyed] as const] : [])),
  );
  return {
    bytesAt: save?.time ?? null,
    windows: (newest?.partitions ?? [])
      .filter((partition) => partition.windowEntries !== undefined)
      .map(({ topic, partition, windowEntries }) => {
        const nodes = saved.get(partitionName(topic, partition))?.windowNodes ?? [];
        return {
          topic,
          partition,
          operators: (windowEntries ?? []).map(([node, entries]) => ({
            node,
            entries,
            bytes: nodes.find((share) => share.node === node)?.bytes ?? null,
          })),
        };
      }),
    keyed: (newest?.keyedPartitions ?? []).map(([statePartition, keys]) => {
      const share = keyedSaved.get(statePartition);
      return { statePartition, keys, bytes: share?.bytes ?? null, operators: share?.nodes ?? [] };
    }),
    bytes: (save?.partitions ?? []).map(({ topic, partition, bytes, windowBytes, keyed }) => ({
      topic,
      partition,
      bytes,
      windowBytes,
      keyedBytes: keyed?.bytes ?? null,
    })),
    checkpoints: checkpoints ?? null,
  };
}
