export { createKafka, type KafkaClientConfig, type KafkaClientOverrides } from './client.ts';
export {
  CO_PARTITIONED_ASSIGNER,
  type CoAssignment,
  coPartitionedAssigner,
  coPartitionedAssignment,
} from './co-partitioned-assigner.ts';
export { DirectSource, type DirectSourceOptions } from './consumer/direct-source.ts';
export { DeadLetterWriter, type DeadLetterWriterOptions } from './dead-letter.ts';
export { DLQ_HEADERS } from './dead-letter-plan.ts';
export {
  createPartitioner,
  PARTITIONER_NAMES,
  type Partitioner,
  type PartitionerName,
  toKafkajsPartitioner,
} from './partitioners.ts';
export {
  type ForwardSender,
  RepartitionTopics,
  type RepartitionTopicsOptions,
} from './repartition-topics.ts';
export { isRetriableKafkaError, type KafkaRetryOptions, kafkaUnavailable, retryingKafka } from './retry.ts';
export { type KafkaSecurityOptions, kafkaFailureReason, kafkaSecurityOptions } from './security.ts';
export { ignoreKafkajsTimeoutWarning } from './timeout-warning.ts';
export {
  KafkaTransactions,
  type TransactionOffset,
  type TransactionsOptions,
  transactionTimeoutMs,
} from './transactions.ts';
