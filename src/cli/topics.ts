// `sluice topics`: lists, describes and creates Kafka topics.

import type { Admin, ITopicMetadata } from 'kafkajs';
import { retry } from '../core/index.ts';
import { ErrorCode, SluiceError } from '../errors/index.ts';
import { isRetriableKafkaError } from '../kafka/index.ts';
import { integerFlag, readFlags, topicArgument, UsageError } from './args.ts';
import { isInternalTopic, table } from './tool-format.ts';
import { requireTopic, type ToolClient, toolClient, withAdmin } from './tool-kafka.ts';

export const TOPICS_USAGE = `usage: sluice topics [list] [--all] [--json]
       sluice topics describe <topic> [--json]
       sluice topics create <topic> --partitions <n> [--replication-factor <r>] [--config <key=value> ...] [--json]

Lists, describes and creates Kafka topics. Brokers come from SLUICE_BROKERS (host:port[,host:port…]),
with the client settings of sluice run.

  list                         topics with their partition count and replication factor, by name;
                               internal topics (names starting with "__") only with --all
  describe <topic>             per partition: leader, replicas, in-sync replicas, low and high offset
  create <topic>               create the topic and wait until every partition has a leader
    --partitions <n>           partition count (required)
    --replication-factor <r>   replicas per partition (default: the broker's default.replication.factor)
    --config <key=value>       a topic config such as retention.ms=86400000; repeat for more
  --json                       print one JSON document instead of text
  -h, --help                   print this text`;

export const TOPICS_SUBCOMMANDS = ['list', 'describe', 'create'] as const;

export type TopicsAction =
  | { readonly type: 'list'; readonly all: boolean }
  | { readonly type: 'describe'; readonly topic: string }
  | {
      readonly type: 'create';
      readonly topic: string;
      readonly partitions: number;
      /** Unset: the broker's default.replication.factor. */
      readonly replicationFactor?: number;
      readonly config: Readonly<Record<string, string>>;
    };

export type TopicsArgs =
  | { readonly help: true }
  | { readonly help: false; readonly json: boolean; readonly action: TopicsAction };

const COMMON = { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const;
const FLAGS = {
  list: { all: { type: 'boolean' }, ...COMMON },
  describe: COMMON,
  create: {
    partitions: { type: 'string' },
    'replication-factor': { type: 'string' },
    config: { type: 'string', multiple: true },
    ...COMMON,
  },
} as const;

// Kafka's partition count and replication factor are an int32 and an int16.
const MAX_PARTITIONS = 2_147_483_647;
const MAX_REPLICATION_FACTOR = 32_767;
const CONFIG_ENTRY = /^([^=\s]+)=(.*)$/s;

/**
 * Parses `sluice topics` arguments: an optional subcommand (default `list`), its topic and flags.
 * Throws one `UsageError` (code `SLUICE_USAGE`) listing every problem; `--help` wins over them.
 *
 * @example
 * parseTopicsArgs(['create', 'clicks', '--partitions', '4']);
 * // { help: false, json: false, action: { type: 'create', topic: 'clicks', partitions: 4, config: {} } }
 */
export function parseTopicsArgs(args: readonly string[]): TopicsArgs {
  const [first, ...rest] = args;
  const named = first !== undefined && !first.startsWith('-');
  const subcommand = named ? TOPICS_SUBCOMMANDS.find((name) => name === first) : 'list';
  if (subcommand === undefined) {
    if (args.includes('--help') || args.includes('-h')) return { help: true };
    throw new UsageError([
      `unknown topics subcommand ${JSON.stringify(first)}; allowed: ${TOPICS_SUBCOMMANDS.join(', ')}`,
    ]);
  }
  const { values, positionals, problems } = readFlags(named ? rest : args, FLAGS[subcommand], {
    positionals: true,
  });
  if (values.help === true) return { help: true };
  const json = values.json === true;

  if (subcommand === 'list') {
    extraArguments(problems, positionals, 'sluice topics list takes no topic');
    const all = 'all' in values && values.all === true;
    if (problems.length > 0) throw new UsageError(problems);
    return { help: false, json, action: { type: 'list', all } };
  }

  const [raw, ...extra] = positionals;
  if (raw === undefined) problems.push(`<topic> is required for sluice topics ${subcommand}`);
  else topicArgument(problems, '<topic>', raw);
  extraArguments(problems, extra, `sluice topics ${subcommand} takes one topic`);
  const topic = raw ?? '';
  if (subcommand === 'describe') {
    if (problems.length > 0) throw new UsageError(problems);
    return { help: false, json, action: { type: 'describe', topic } };
  }

  const flags = values as { partitions?: string; 'replication-factor'?: string; config?: readonly string[] };
  if (flags.partitions === undefined) problems.push('--partitions is required for sluice topics create');
  const partitions = integerFlag(
    problems,
    'partitions',
    flags.partitions,
    { min: 1, max: MAX_PARTITIONS },
    1,
  );
  const replicationFactor = integerFlag(
    problems,
    'replication-factor',
    flags['replication-factor'],
    { min: 1, max: MAX_REPLICATION_FACTOR },
    undefined,
  );
  const config: Record<string, string> = {};
  for (const entry of flags.config ?? []) {
    const match = CONFIG_ENTRY.exec(entry);
    if (match?.[1] === undefined || match[2] === undefined) {
      problems.push(
        `--config must be key=value (a topic config such as retention.ms=86400000); got ${JSON.stringify(entry)}`,
      );
    } else config[match[1]] = match[2];
  }
  if (problems.length > 0) throw new UsageError(problems);
  return {
    help: false,
    json,
    action: {
      type: 'create',
      topic,
      partitions,
      ...(replicationFactor === undefined ? {} : { replicationFactor }),
      config,
    },
  };
}

function extraArguments(problems: string[], extra: readonly string[], rule: string): void {
  for (const value of extra) problems.push(`unexpected argument ${JSON.stringify(value)}; ${rule}`);
}

/** One topic of `sluice topics list`. */
export type TopicSummary = {
  readonly name: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly internal: boolean;
};

/** One partition of `sluice topics describe`; -1 as leader when the partition has none. */
export type PartitionDescription = {
  readonly partition: number;
  readonly leader: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  readonly low: number;
  readonly high: number;
};

export type TopicDescription = {
  readonly topic: string;
  readonly replicationFactor: number;
  readonly partitions: readonly PartitionDescription[];
};

export type CreatedTopic = {
  readonly topic: string;
  readonly partitions: number;
  readonly replicationFactor: number;
  readonly config: Readonly<Record<string, string>>;
};

export function formatTopicList(topics: readonly TopicSummary[]): string {
  if (topics.length === 0) return 'no topics';
  return table(
    ['TOPIC', 'PARTITIONS', 'REPLICATION'],
    topics.map((topic) => [topic.name, String(topic.partitions), String(topic.replicationFactor)]),
  );
}

export function formatTopicDescription(description: TopicDescription): string {
  const count = description.partitions.length;
  const title = `topic ${description.topic}: ${count} partition${count === 1 ? '' : 's'}, replication factor ${description.replicationFactor}`;
  const rows = description.partitions.map((p) => [
    String(p.partition),
    p.leader < 0 ? 'none' : String(p.leader),
    p.replicas.join(','),
    p.isr.join(','),
    String(p.low),
    String(p.high),
  ]);
  return `${title}\n${table(['PARTITION', 'LEADER', 'REPLICAS', 'ISR', 'LOW', 'HIGH'], rows)}`;
}

export function formatCreatedTopic(created: CreatedTopic): string {
  const entries = Object.entries(created.config).map(([key, value]) => `${key}=${value}`);
  const config = entries.length === 0 ? '' : `; config ${entries.join(', ')}`;
  return `created topic ${created.topic}: ${created.partitions} partition${created.partitions === 1 ? '' : 's'}, replication factor ${created.replicationFactor}${config}`;
}

/** `sluice topics …`: prints the answer on stdout (text, or one JSON document with --json). */
export async function topicsCommand(args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const parsed = parseTopicsArgs(args);
  if (parsed.help) {
    console.log(TOPICS_USAGE);
    return 0;
  }
  const client = toolClient('topics', env);
  const { action, json } = parsed;
  const print = (document: object, text: string): void => console.log(json ? JSON.stringify(document) : text);
  if (action.type === 'list') {
    const topics = await listTopics(client, action.all);
    print({ topics }, formatTopicList(topics));
  } else if (action.type === 'describe') {
    const description = await describeTopic(client, action.topic);
    print(description, formatTopicDescription(description));
  } else {
    const created = await createTopic(client, action);
    print(created, formatCreatedTopic(created));
  }
  return 0;
}

/** The cluster's topics by name, internal ones only when `all`. */
export function listTopics(client: ToolClient, all: boolean): Promise<TopicSummary[]> {
  return withAdmin(client, 'listing topics', async (admin) => {
    const { topics } = await admin.fetchTopicMetadata();
    return topics
      .map((topic) => ({
        name: topic.name,
        partitions: topic.partitions.length,
        replicationFactor: replicationFactor(topic),
        internal: isInternalTopic(topic.name),
      }))
      .filter((topic) => all || !topic.internal)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  });
}

export function describeTopic(client: ToolClient, topic: string): Promise<TopicDescription> {
  return withAdmin(client, `describing topic "${topic}"`, async (admin) => {
    await requireTopic(client, admin, topic);
    return describe(admin, topic);
  });
}

export function createTopic(
  client: ToolClient,
  action: Extract<TopicsAction, { type: 'create' }>,
): Promise<CreatedTopic> {
  const { topic } = action;
  return withAdmin(client, `creating topic "${topic}"`, async (admin) => {
    const exists = (): SluiceError =>
      new SluiceError(ErrorCode.kafka, `topic "${topic}" already exists on ${client.on}`);
    // Asking first: createTopics on an existing topic answers false, but kafkajs logs it as an error.
    if ((await admin.listTopics()).includes(topic)) throw exists();
    const created = await admin
      .createTopics({
        waitForLeaders: true,
        topics: [
          {
            topic,
            numPartitions: action.partitions,
            // -1 asks the broker for its default.replication.factor (KIP-464).
            replicationFactor: action.replicationFactor ?? -1,
            configEntries: Object.entries(action.config).map(([name, value]) => ({ name, value })),
          },
        ],
      })
      .catch((error: unknown) => {
        throw new Error(topicCreationReason(error), { cause: error });
      });
    if (!created) throw exists();
    // A partition's leader may not serve ListOffsets yet right after the creation (seen once on a
    // loaded broker: NOT_LEADER_OR_FOLLOWER, and the command failed on a topic it had created).
    const description = await retry(() => describe(admin, topic), {
      budgetMs: 10_000,
      firstDelayMs: 100,
      maxDelayMs: 1_000,
      retryable: isRetriableKafkaError,
    });
    return {
      topic,
      partitions: description.partitions.length,
      replicationFactor: description.replicationFactor,
      config: action.config,
    };
  });
}

async function describe(admin: Admin, topic: string): Promise<TopicDescription> {
  const [metadata] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
  const offsets = new Map((await admin.fetchTopicOffsets(topic)).map((entry) => [entry.partition, entry]));
  const partitions = [...(metadata?.partitions ?? [])]
    .sort((a, b) => a.partitionId - b.partitionId)
    .map((p) => ({
      partition: p.partitionId,
      leader: p.leader,
      replicas: p.replicas,
      isr: p.isr,
      low: Number(offsets.get(p.partitionId)?.low ?? 0),
      high: Number(offsets.get(p.partitionId)?.high ?? 0),
    }));
  return { topic, replicationFactor: metadata ? replicationFactor(metadata) : 0, partitions };
}

function replicationFactor(topic: ITopicMetadata): number {
  return topic.partitions[0]?.replicas.length ?? 0;
}

// kafkajs reports a refused CreateTopics as an aggregate ("Topic creation errors") whose entries
// carry the broker's reason, such as an unknown config or too few brokers for the replicas.
function topicCreationReason(error: unknown): string {
  const errors = typeof error === 'object' && error !== null && 'errors' in error ? error.errors : undefined;
  const reasons = Array.isArray(errors)
    ? errors.map((inner: unknown) => (inner instanceof Error ? inner.message : String(inner)))
    : [];
  if (reasons.length > 0) return reasons.join('; ');
  return error instanceof Error ? error.message : String(error);
}
