// Finds a job's toPostgres outputs and what stops the start (no connection, two under exactly-once).

import type { Node, PostgresSinkSpec } from '../dsl/index.ts';

export type PostgresNode = { readonly node: number; readonly sink: PostgresSinkSpec };

/** The job's `toPostgres` outputs, in graph order. */
export function postgresNodes(nodes: readonly Node[]): PostgresNode[] {
  return nodes.flatMap((node) =>
    node.kind === 'output' && node.sink.type === 'postgres' ? [{ node: node.id, sink: node.sink }] : [],
  );
}

/** What stops the start: an output without a connection; under exactly-once, more than one. */
export function postgresProblems(
  outputs: readonly PostgresNode[],
  context: { readonly url: string | undefined; readonly guarantee: 'at-least-once' | 'exactly-once' },
): string[] {
  const problems = outputs
    .filter(({ sink }) => sink.connection === undefined && context.url === undefined)
    .map(
      ({ node, sink }) =>
        `output ${node} (toPostgres ${sink.table.name}) has no connection: pass toPostgres({ connection }) or set SLUICE_SINK=postgres://user@host:port/db?table=${sink.table.name}`,
    );
  // One stored end per partition decides where reading starts: two outputs could disagree.
  if (context.guarantee === 'exactly-once' && outputs.length > 1) {
    problems.push(
      `SLUICE_GUARANTEE=exactly-once allows one toPostgres output per job (where a partition starts is the offset it stored); the job has ${outputs.length}: ${outputs.map(({ node }) => node).join(', ')}`,
    );
  }
  return problems;
}
