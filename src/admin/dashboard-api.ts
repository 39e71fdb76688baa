// The dashboard's JSON beyond batches and status: /api/job, /api/environment, /api/batch?id= and /api/state.

import type { BatchHistory } from './batch-history.ts';
import { json } from './json-response.ts';
import { batchIdParam } from './query.ts';
import type { RunView } from './run-view.ts';
import type { Route } from './types.ts';

/** `/api/state`: state per partition and per window operation, and the checkpoints. */
export type StateJson = {
  /** Of the newest batch: per input partition, each window operation's keys (or records of window()). */
  readonly windows: readonly {
    readonly topic: string;
    readonly partition: number;
    readonly operators: readonly { readonly node: number; readonly entries: number }[];
  }[];
  /** Keyed state's keys per state partition held here, after the newest batch. */
  readonly keyed: readonly { readonly statePartition: number; readonly keys: number }[];
  /** Per input partition, its last checkpoint's size, and of it the window state's before compression. */
  readonly bytes: readonly {
    readonly topic: string;
    readonly partition: number;
    readonly bytes: number;
    readonly windowBytes: number;
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
  return {
    windows: (newest?.partitions ?? [])
      .filter((partition) => partition.windowEntries !== undefined)
      .map(({ topic, partition, windowEntries }) => ({
        topic,
        partition,
        operators: (windowEntries ?? []).map(([node, entries]) => ({ node, entries })),
      })),
    keyed: (newest?.keyedPartitions ?? []).map(([statePartition, keys]) => ({ statePartition, keys })),
    bytes: (checkpoints?.saves[0]?.partitions ?? []).map(({ topic, partition, bytes, windowBytes }) => ({
      topic,
      partition,
      bytes,
      windowBytes,
    })),
    checkpoints: checkpoints ?? null,
  };
}
