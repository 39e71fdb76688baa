// `sluice tail`: prints a topic's records as they arrive, as a throwaway group that never commits.

import { randomBytes } from 'node:crypto';
import { AssignerProtocol, type Consumer, type PartitionAssigner } from 'kafkajs';
import { ErrorCode, SluiceError } from '../errors/index.ts';
import { integerFlag, readFlags, topicArgument, UsageError } from './args.ts';
import { stopOnSignals } from './signals.ts';
import { formatTailRecord, type TailFields, type TailRecord, tailJson } from './tail-format.ts';
import { requireTopic, TOOL_RETRY, type ToolClient, toolClient, withAdmin } from './tool-kafka.ts';

export const TAIL_USAGE = `usage: sluice tail <topic> [options]

Prints the records of a topic as they arrive: partition, offset, timestamp, key, headers and
value (JSON values pretty-printed). Brokers come from SLUICE_BROKERS (host:port[,host:port…]), with the client
settings of sluice run. It reads as a throwaway consumer group (sluice-tail-<random>, named on
stderr) that never commits an offset, so no real group's position moves.

  --from-beginning   start at the earliest offset of each partition (default: only new records)
  --partition <p>    read only partition p (default: every partition)
  --max <n>          stop after n records (default: until SIGINT/SIGTERM)
  --key-only         print only the keys
  --value-only       print only the values
  --json             one JSON line per record: topic, partition, offset, timestamp (ms), key,
                     keyFormat, value, valueFormat, headers ([{key, value, format}])
  -h, --help         print this text`;

export type TailOptions = {
  readonly topic: string;
  readonly fromBeginning: boolean;
  readonly partition?: number;
  readonly max?: number;
  readonly fields: TailFields;
  readonly json: boolean;
};

export type TailArgs = { readonly help: true } | { readonly help: false; readonly options: TailOptions };

const FLAGS = {
  'from-beginning': { type: 'boolean' },
  partition: { type: 'string' },
  max: { type: 'string' },
  'key-only': { type: 'boolean' },
  'value-only': { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const MAX_PARTITION = 2_147_483_646;

/**
 * Parses `sluice tail` arguments. Throws one `UsageError` (code `SLUICE_USAGE`) listing every
 * problem; `--help` wins over them.
 *
 * @example
 * parseTailArgs(['clicks', '--max', '10']);
 * // { help: false, options: { topic: 'clicks', fromBeginning: false, max: 10, fields: 'all', json: false } }
 */
export function parseTailArgs(args: readonly string[]): TailArgs {
  const { values, positionals, problems } = readFlags(args, FLAGS, { positionals: true });
  if (values.help === true) return { help: true };
  const [topic, ...extra] = positionals;
  if (topic === undefined) problems.push('<topic> is required for sluice tail');
  else topicArgument(problems, '<topic>', topic);
  for (const value of extra) {
    problems.push(`unexpected argument ${JSON.stringify(value)}; sluice tail takes one topic`);
  }
  const partition = integerFlag(
    problems,
    'partition',
    values.partition,
    { min: 0, max: MAX_PARTITION },
    undefined,
  );
  const max = integerFlag(problems, 'max', values.max, { min: 1 }, undefined);
  const keyOnly = values['key-only'] === true;
  const valueOnly = values['value-only'] === true;
  if (keyOnly && valueOnly) problems.push('--key-only and --value-only exclude each other; give one');
  if (problems.length > 0) throw new UsageError(problems);
  return {
    help: false,
    options: {
      topic: topic ?? '',
      fromBeginning: values['from-beginning'] === true,
      ...(partition === undefined ? {} : { partition }),
      ...(max === undefined ? {} : { max }),
      fields: keyOnly ? 'key' : valueOnly ? 'value' : 'all',
      json: values.json === true,
    },
  };
}

/** A group id nobody else uses: `sluice-tail-` and 12 random hex digits. */
export function throwawayGroupId(): string {
  return `sluice-tail-${randomBytes(6).toString('hex')}`;
}

/**
 * `sluice tail`: prints records until `--max` of them or a signal, then leaves its throwaway group
 * and exits 0. A second signal exits at once with 130.
 */
export async function tailCommand(args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const parsed = parseTailArgs(args);
  if (parsed.help) {
    console.log(TAIL_USAGE);
    return 0;
  }
  const { options } = parsed;
  const client = toolClient('tail', env);
  // `sluice tail … | head` closes stdout: that ends the tail, it is no failure.
  const signals = stopOnSignals();
  try {
    await tail(client, options, {
      signal: signals.controller.signal,
      write: (line) => signals.write(`${line}\n`),
      announce: (groupId) =>
        process.stderr.write(
          `sluice tail: reading ${options.topic} as consumer group ${groupId}, which commits no offsets\n`,
        ),
    });
    return 0;
  } finally {
    signals.dispose();
  }
}

export type TailIo = {
  /** Aborting ends the tail; the record being written is the last. */
  readonly signal?: AbortSignal;
  /** Gets one formatted record (text, possibly several lines, or one JSON line) at a time, in order. */
  readonly write: (record: string) => Promise<void>;
  /** Told the throwaway group id before joining. */
  readonly announce?: (groupId: string) => void;
};

/**
 * Reads `options.topic` with a consumer of a fresh group id and auto-commit off, so it commits
 * nothing and the group is gone once it leaves. Resolves after `max` records or on abort; throws
 * `SLUICE_USAGE` for a partition the topic does not have and `SLUICE_KAFKA` for Kafka failures.
 */
export async function tail(client: ToolClient, options: TailOptions, io: TailIo): Promise<void> {
  const { topic, partition } = options;
  const partitions = await withAdmin(client, `reading the partitions of topic "${topic}"`, async (admin) => {
    await requireTopic(client, admin, topic);
    const [metadata] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
    return (metadata?.partitions ?? []).map((p) => p.partitionId).sort((a, b) => a - b);
  });
  if (partition !== undefined && !partitions.includes(partition)) {
    throw new UsageError([
      `--partition must be a partition of topic ${topic} (0 to ${partitions.length - 1}); got "${partition}"`,
    ]);
  }
  if (io.signal?.aborted) return;

  const groupId = throwawayGroupId();
  io.announce?.(groupId);
  const consumer = client.kafka.consumer({
    groupId,
    partitionAssigners: [onlyAssigner(topic, partition === undefined ? partitions : [partition])],
    maxWaitTimeInMs: 500,
    retry: { ...TOOL_RETRY, restartOnFailure: async () => false },
  });
  try {
    await consumer.connect().catch((error: unknown) => {
      throw new SluiceError(ErrorCode.kafka, `cannot connect to ${client.on}: ${client.reason(error)}`, {
        cause: error,
      });
    });
    await consumer.subscribe({ topics: [topic], fromBeginning: options.fromBeginning });
    await readUntilDone(client, consumer, options, io);
  } finally {
    await consumer.disconnect();
  }
}

async function readUntilDone(
  client: ToolClient,
  consumer: Consumer,
  options: TailOptions,
  io: TailIo,
): Promise<void> {
  const { signal } = io;
  let printed = 0;
  const done = Promise.withResolvers<void>();
  // Disconnecting from inside eachMessage would wait for eachMessage: the handler only says so.
  const finish = (): void => done.resolve();
  signal?.addEventListener('abort', finish, { once: true });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    done.reject(client.failed(`reading topic "${options.topic}"`, payload.error));
  });
  const full = (): boolean =>
    (options.max !== undefined && printed >= options.max) || signal?.aborted === true;
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ topic, partition, message }) => {
      if (full()) return;
      const record: TailRecord = {
        topic,
        partition,
        offset: message.offset,
        timestamp: message.timestamp,
        key: message.key,
        value: message.value,
        ...(message.headers === undefined ? {} : { headers: message.headers }),
      };
      printed++;
      await io
        .write(
          options.json
            ? JSON.stringify(tailJson(record, options.fields))
            : formatTailRecord(record, options.fields),
        )
        .catch(finish);
      if (full()) finish();
    },
  });
  try {
    await done.promise;
  } finally {
    signal?.removeEventListener('abort', finish);
  }
}

/**
 * Gives every listed partition of `topic` to the group's first member. The group is this
 * process's alone (its id is random), so there is no one to share with; this is how one partition
 * is read, kafkajs having no manual assignment.
 */
function onlyAssigner(topic: string, partitions: readonly number[]): PartitionAssigner {
  return () => ({
    name: 'SluiceTailAssigner',
    version: 0,
    async assign({ members }) {
      const [first] = members.map(({ memberId }) => memberId).sort();
      if (first === undefined) return [];
      return [
        {
          memberId: first,
          memberAssignment: AssignerProtocol.MemberAssignment.encode({
            version: 0,
            assignment: { [topic]: [...partitions] },
            userData: Buffer.alloc(0),
          }),
        },
      ];
    },
    protocol({ topics }) {
      return {
        name: 'SluiceTailAssigner',
        metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: Buffer.alloc(0) }),
      };
    },
  });
}
