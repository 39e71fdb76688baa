import type { Admin } from 'kafkajs';
import type { SluiceConfig } from '../config/index.ts';
import { ErrorCode, SluiceError } from '../errors/index.ts';
import type { StateLayout } from '../task/index.ts';
import { GENERATOR_TOPIC } from '../task/index.ts';

/**
 * The state partitions of keyed state: as many as the input topic has partitions, numbered as
 * its partitions. With several input topics, they must agree on the count; state partition q is
 * kept with partition q of the first topic by name.
 */
export async function stateLayout(config: SluiceConfig, admin: Admin | undefined): Promise<StateLayout> {
  if (!admin) return { topic: GENERATOR_TOPIC, partitions: config.generatorPartitions };
  const { topics } = config;
  if (!topics)
    throw new SluiceError(ErrorCode.configInvalid, 'SLUICE_TOPICS is required with SLUICE_BROKERS');
  const names =
    topics.type === 'list'
      ? [...topics.topics]
      : (await admin.listTopics()).filter((name) => topics.pattern.test(name));
  if (names.length === 0) {
    throw new SluiceError(
      ErrorCode.configInvalid,
      `keyed state needs the input topics' partition count, and SLUICE_TOPICS (${String(topics.type === 'list' ? topics.topics : topics.pattern)}) names no existing topic`,
    );
  }
  let metadata: Awaited<ReturnType<Admin['fetchTopicMetadata']>>;
  try {
    metadata = await admin.fetchTopicMetadata({ topics: names });
  } catch (error) {
    throw new SluiceError(
      ErrorCode.kafka,
      `cannot read the partition count of ${names.join(', ')} for keyed state: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  const counts = metadata.topics
    .map((topic) => ({ topic: topic.name, partitions: topic.partitions.length }))
    .sort((a, b) => a.topic.localeCompare(b.topic));
  const [first] = counts;
  if (!first) throw new SluiceError(ErrorCode.kafka, `no metadata for ${names.join(', ')}`);
  if (counts.some((count) => count.partitions !== first.partitions)) {
    throw new SluiceError(
      ErrorCode.configInvalid,
      `keyed state needs input topics with one partition count (state partition q lives with partition q); got ${counts.map((count) => `${count.topic}: ${count.partitions}`).join(', ')}`,
    );
  }
  return first;
}
