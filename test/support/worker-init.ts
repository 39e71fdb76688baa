// A WorkerInit for tests that run a TaskRunner in this thread: the graph's own signature, plain defaults.
import type { Graph } from '../../src/dsl/index.ts';
import type { WorkerInit } from '../../src/task/index.ts';

export function workerInit(graph: Graph, options: Partial<WorkerInit> = {}): WorkerInit {
  return {
    jobPath: 'job.ts',
    env: {},
    signature: graph.signature(),
    valueFormat: 'string',
    decodePolicy: 'skip',
    latePolicy: 'count',
    maxEventTimeAheadMs: Number.POSITIVE_INFINITY,
    generator: { seed: 1, partitions: 1 },
    ...options,
  };
}
