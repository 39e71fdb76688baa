// What `toKafka(topic, { create })` asks of a missing output topic, checked when the job is built.
import { ErrorCode, SluiceError, sampleValue } from '../errors/index.ts';

/**
 * Creates the output topic at start when it does not exist: `partitions` (1 to 10,000),
 * `compact` for `cleanup.policy=compact` (a topic read as the latest record per key), and the
 * replication factor (the broker's default when absent). An existing topic is used as it is.
 */
export type TopicCreation = {
  readonly partitions: number;
  readonly compact?: boolean;
  readonly replicationFactor?: number;
};

const MAX_PARTITIONS = 10_000;
const KNOWN = ['partitions', 'compact', 'replicationFactor'];

/** `create` checked, for `toKafka(topic)`'s messages. */
export function topicCreation(topic: string, create: unknown): TopicCreation {
  const invalid = (problem: string) =>
    new SluiceError(ErrorCode.jobInvalid, `toKafka(${topic}): create${problem}`);
  if (typeof create !== 'object' || create === null || Array.isArray(create)) {
    throw invalid(` must be { partitions, compact?, replicationFactor? }; got ${sampleValue(create)}`);
  }
  const unknown = Object.keys(create).find((key) => !KNOWN.includes(key));
  if (unknown !== undefined)
    throw invalid(` has no option ${sampleValue(unknown)}; the options are ${KNOWN.join(', ')}`);
  const { partitions, compact, replicationFactor } = create as Record<string, unknown>;
  const integer = (value: unknown, max: number) =>
    typeof value === 'number' && Number.isSafeInteger(value) && value >= 1 && value <= max;
  if (!integer(partitions, MAX_PARTITIONS)) {
    throw invalid(
      `.partitions must be an integer from 1 to ${MAX_PARTITIONS}; got ${sampleValue(partitions)}`,
    );
  }
  if (compact !== undefined && typeof compact !== 'boolean') {
    throw invalid(`.compact must be true or false; got ${sampleValue(compact)}`);
  }
  if (replicationFactor !== undefined && !integer(replicationFactor, 32)) {
    throw invalid(
      `.replicationFactor must be an integer from 1 to 32; got ${sampleValue(replicationFactor)}`,
    );
  }
  return {
    partitions: partitions as number,
    ...(compact ? { compact: true } : {}),
    ...(replicationFactor === undefined ? {} : { replicationFactor: replicationFactor as number }),
  };
}
