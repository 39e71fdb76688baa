// `sluice lag`: a consumer group's committed offset, end offset and lag per partition, as text or JSON.

import { readFlags, topicArgument, UsageError } from './args.ts';
import { table } from './tool-format.ts';
import { requireTopic, type ToolClient, toolClient, withAdmin } from './tool-kafka.ts';

export const LAG_USAGE = `usage: sluice lag --group <group> [--topic <topic>] [--json]

Prints a consumer group's lag as Kafka's tools compute it: per partition, the end offset (high
watermark) minus the group's committed offset, and the total. Brokers come from SLUICE_BROKERS
(host:port[,host:port…]), with the client settings of sluice run.

  --group <group>   consumer group (required; sluice run's is SLUICE_GROUP_ID)
  --topic <topic>   only this topic, every partition listed (default: every topic the group has
                    committed offsets for)
  --json            print one JSON document instead of text
  -h, --help        print this text`;

export type LagOptions = { readonly group: string; readonly topic?: string; readonly json: boolean };

export type LagArgs = { readonly help: true } | { readonly help: false; readonly options: LagOptions };

/** One partition: `committed` and `lag` are null when the group has committed nothing for it. */
export type PartitionLagRow = {
  readonly topic: string;
  readonly partition: number;
  readonly committed: number | null;
  readonly end: number;
  readonly lag: number | null;
};

export type LagReport = {
  readonly group: string;
  /** The topic asked for with --topic, null for every topic of the group. */
  readonly topic: string | null;
  readonly partitions: readonly PartitionLagRow[];
  /** The sum over partitions with a committed offset. */
  readonly totalLag: number;
};

const FLAGS = {
  group: { type: 'string' },
  topic: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/**
 * Parses `sluice lag` flags. Throws one `UsageError` (code `SLUICE_USAGE`) listing every problem;
 * `--help` wins over them.
 *
 * @example
 * parseLagArgs(['--group', 'sluice']); // { help: false, options: { group: 'sluice', json: false } }
 */
export function parseLagArgs(args: readonly string[]): LagArgs {
  const { values, problems } = readFlags(args, FLAGS);
  if (values.help === true) return { help: true };
  const group = values.group;
  if (group === undefined) problems.push('--group is required');
  else if (group.trim() === '') problems.push(`--group must not be empty; got ${JSON.stringify(group)}`);
  const topic = values.topic === undefined ? undefined : topicArgument(problems, '--topic', values.topic);
  if (problems.length > 0) throw new UsageError(problems);
  return {
    help: false,
    options: { group: group ?? '', ...(topic === undefined ? {} : { topic }), json: values.json === true },
  };
}

export function formatLag(report: LagReport): string {
  if (report.partitions.every((row) => row.committed === null)) {
    const where = report.topic === null ? '' : ` on topic ${report.topic}`;
    return `group ${report.group} has no committed offsets${where}`;
  }
  const rows = report.partitions.map((row) => [
    row.topic,
    String(row.partition),
    row.committed === null ? '-' : String(row.committed),
    String(row.end),
    row.lag === null ? '-' : String(row.lag),
  ]);
  return [
    `group ${report.group}`,
    table(['TOPIC', 'PARTITION', 'COMMITTED', 'END', 'LAG'], rows),
    `total lag: ${report.totalLag}`,
  ].join('\n');
}

/** `sluice lag`: prints the group's lag on stdout (text, or one JSON document with --json). */
export async function lagCommand(args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const parsed = parseLagArgs(args);
  if (parsed.help) {
    console.log(LAG_USAGE);
    return 0;
  }
  const report = await groupLag(toolClient('lag', env), parsed.options);
  console.log(parsed.options.json ? JSON.stringify(report) : formatLag(report));
  return 0;
}

/**
 * The group's committed offsets against the end offsets, sorted by topic and partition. A
 * committed offset past the end (the topic was recreated) counts as no lag.
 */
export function groupLag(client: ToolClient, options: Omit<LagOptions, 'json'>): Promise<LagReport> {
  const { group, topic } = options;
  return withAdmin(client, `reading the lag of group "${group}"`, async (admin) => {
    if (topic !== undefined) await requireTopic(client, admin, topic);
    const committed = await admin.fetchOffsets({
      groupId: group,
      ...(topic === undefined ? {} : { topics: [topic] }),
    });
    // Without --topic, offsets of a deleted topic may still be stored; it has no end to compare with.
    const existing = new Set(await admin.listTopics());
    const rows: PartitionLagRow[] = [];
    for (const entry of [...committed].sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0))) {
      if (!existing.has(entry.topic)) continue;
      const ends = new Map(
        (await admin.fetchTopicOffsets(entry.topic)).map(({ partition, high }) => [partition, BigInt(high)]),
      );
      for (const { partition, offset } of [...entry.partitions].sort((a, b) => a.partition - b.partition)) {
        const end = ends.get(partition) ?? 0n;
        // -1 is OffsetFetch's "nothing committed".
        const done = offset === '-1' ? null : BigInt(offset);
        rows.push({
          topic: entry.topic,
          partition,
          committed: done === null ? null : Number(done),
          end: Number(end),
          lag: done === null ? null : Number(end > done ? end - done : 0n),
        });
      }
    }
    const partitions = topic === undefined ? withoutUncommittedTopics(rows) : rows;
    const totalLag = partitions.reduce((sum, row) => sum + (row.lag ?? 0), 0);
    return { group, topic: topic ?? null, partitions, totalLag };
  });
}

// Without --topic the broker answers for every topic the group ever committed to; a topic whose
// partitions are all uncommitted says nothing about the group.
function withoutUncommittedTopics(rows: readonly PartitionLagRow[]): PartitionLagRow[] {
  const committedTopics = new Set(rows.filter((row) => row.committed !== null).map((row) => row.topic));
  return rows.filter((row) => committedTopics.has(row.topic));
}
