// Output topics a job asks to create (`toKafka(topic, { create })`), created at start when missing.
import type { Admin } from 'kafkajs';
import type { SluiceConfig } from '../config/index.ts';
import type { Logger } from '../core/index.ts';
import type { Plan, SinkSpec } from '../dsl/index.ts';
import { ErrorCode, SluiceError } from '../errors/index.ts';
import { kafkaRetry, retryingKafka } from '../kafka/index.ts';

type KafkaSink = Extract<SinkSpec, { type: 'kafka' }>;

/**
 * Creates each `toKafka` output topic with `create` that does not exist yet, before any batch;
 * an existing topic is left as it is. Two outputs naming one topic must ask alike.
 */
export async function createOutputTopics(
  plan: Plan,
  admin: Admin,
  config: SluiceConfig,
  log: Logger,
): Promise<void> {
  const wanted = new Map<string, KafkaSink>();
  for (const node of plan.nodes) {
    if (node.kind !== 'output' || node.sink.type !== 'kafka' || !node.sink.create) continue;
    const earlier = wanted.get(node.sink.topic);
    if (earlier && JSON.stringify(earlier.create) !== JSON.stringify(node.sink.create)) {
      throw new SluiceError(
        ErrorCode.jobInvalid,
        `toKafka(${node.sink.topic}) is asked to create the topic twice, differently: ${JSON.stringify(earlier.create)} and ${JSON.stringify(node.sink.create)}`,
      );
    }
    wanted.set(node.sink.topic, node.sink);
  }
  if (wanted.size === 0) return;
  const retry = kafkaRetry(config, log);
  const existing = new Set(await retryingKafka('listing topics', () => admin.listTopics(), retry));
  const missing = [...wanted.values()].filter((sink) => !existing.has(sink.topic));
  if (missing.length === 0) return;
  const topics = missing.map(({ topic, create }) => ({
    topic,
    numPartitions: create?.partitions ?? 1,
    ...(create?.replicationFactor === undefined ? {} : { replicationFactor: create.replicationFactor }),
    ...(create?.compact ? { configEntries: [{ name: 'cleanup.policy', value: 'compact' }] } : {}),
  }));
  // Another instance may create them meanwhile: kafkajs then resolves without error.
  await retryingKafka(
    `creating the output topics ${missing.map((sink) => sink.topic).join(', ')}`,
    () => admin.createTopics({ topics, waitForLeaders: true }),
    retry,
  );
  for (const { topic, numPartitions } of topics)
    log.info({ topic, partitions: numPartitions }, 'output topic created');
}
