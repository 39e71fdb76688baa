// The run's outputs: their checks at start (PostgreSQL, exactly-once), stale temp files, and the Outputs.
import type { AssignedPartition } from '../checkpoint/index.ts';
import { ConfigError, type SluiceConfig } from '../config/index.ts';
import type { Logger } from '../core/index.ts';
import type { Plan } from '../dsl/index.ts';
import { kafkaCluster, RawProducer } from '../kafka/index.ts';
import {
  type OutputContext,
  Outputs,
  postgresNodes,
  postgresProblems,
  removeStaleTempFilesOf,
} from '../sinks/index.ts';
import type { Restore } from './checkpoint-wiring.ts';
import type { KafkaClients } from './kafka-clients.ts';
import type { TransactionWriter } from './kafka-wiring.ts';

/** The job's outputs as checked at start: what the PostgreSQL ones need. */
export type CheckedOutputs = {
  readonly postgres: NonNullable<OutputContext['postgres']> & {
    readonly nodes: ReturnType<typeof postgresNodes>;
  };
};

/**
 * Checks the job's outputs, whose problems stop the start with `SLUICE_CONFIG_INVALID`, and removes
 * the temp files of a run that was killed while writing.
 */
export async function checkOutputs(plan: Plan, config: SluiceConfig, log: Logger): Promise<CheckedOutputs> {
  const postgres = {
    url: config.sink.type === 'postgres' ? config.sink.url : undefined,
    guarantee: config.guarantee,
    groupId: config.groupId,
    nodes: postgresNodes(plan.nodes),
  };
  const postgresIssues = postgresProblems(postgres.nodes, postgres);
  if (postgresIssues.length > 0) throw new ConfigError(postgresIssues);
  const guaranteeIssues = outputGuarantees(plan, config, log);
  if (guaranteeIssues.length > 0) throw new ConfigError(guaranteeIssues);
  await removeStaleTempFilesOf(plan.nodes, log);
  return { postgres };
}

export type OutputsWiring = {
  readonly checked: CheckedOutputs;
  readonly config: SluiceConfig;
  readonly log: Logger;
  readonly kafka: KafkaClients | undefined;
  readonly transaction: TransactionWriter | undefined;
  /** Where print() writes; stdout by default. */
  readonly write: ((text: string) => void | Promise<void>) | undefined;
};

/**
 * The outputs, and under exactly-once to PostgreSQL, where a partition without a checkpoint starts:
 * where the table's stored offsets say, which may be ahead of the group's commit (a crash between
 * the two commits).
 */
export function createOutputs(options: OutputsWiring): { outputs: Outputs; stored: Restore | undefined } {
  const { checked, config, kafka, transaction } = options;
  const outputs = new Outputs({
    retry: { timeoutMs: config.sinkRetryTimeoutMs },
    log: options.log,
    skipEmpty: config.trigger === 'continuous',
    kafkaMaxBatchBytes: config.sinkMaxBatchBytes,
    ...(options.write ? { write: options.write } : {}),
    ...(kafka ? { kafka: { admin: kafka.admin, producer: kafka.producer, raw: rawProducer(options) } } : {}),
    ...(transaction ? { transaction } : {}),
    postgres: checked.postgres,
  });
  const [first] = checked.postgres.nodes;
  const stored =
    first && config.guarantee === 'exactly-once'
      ? (partitions: readonly AssignedPartition[]) =>
          outputs.storedOffsets(first.node, first.sink, partitions)
      : undefined;
  return { outputs, stored };
}

/**
 * What produces the record batches the slots write for toKafka outputs, on connections of its
 * own; none under exactly-once, whose outputs go into the Kafka transaction's producer.
 */
function rawProducer(options: OutputsWiring): RawProducer | undefined {
  const { kafka, transaction, config } = options;
  if (!kafka || transaction) return undefined;
  return new RawProducer(kafkaCluster(kafka.client), {
    maxRequestBytes: RAW_REQUEST_BATCHES * config.sinkMaxBatchBytes,
  });
}

/** A produce request carries at most this many times SLUICE_SINK_MAX_BATCH_BYTES (of one batch per partition). */
const RAW_REQUEST_BATCHES = 16;

/**
 * Under exactly-once, which outputs keep the promise: Kafka (transactions), files (by batch id,
 * which needs the batch log of checkpoints); print and foreachBatch cannot be undone, so they are
 * at-least-once, said once at start. Returns the problems that stop the run.
 */
function outputGuarantees(plan: Plan, config: SluiceConfig, log: Logger): string[] {
  if (config.guarantee !== 'exactly-once') return [];
  const problems: string[] = [];
  for (const node of plan.nodes) {
    if (node.kind !== 'output') continue;
    const { type } = node.sink;
    if (type === 'saveAsTextFiles' && config.checkpointDir === undefined) {
      problems.push(
        `SLUICE_GUARANTEE=exactly-once: output ${node.id} (saveAsTextFiles) is idempotent by batch id only with SLUICE_CHECKPOINT_DIR, whose batch log replays a batch as it was`,
      );
    }
    if (type === 'print' || type === 'foreachBatch') {
      log.warn(
        { output: node.id, sink: type },
        'SLUICE_GUARANTEE=exactly-once: this output is at-least-once (a replayed batch runs it again; foreachBatch can use the batch id to skip it)',
      );
    }
  }
  return problems;
}
