// kafka/: direct source, transactions, dead letters, repartition topics, partitioners; main thread.

export {
  type BrokerFeatures,
  type KafkaRelease,
  kafkaRelease,
  metadataVersionName,
  readApiVersionsV3,
} from './broker-release.ts';
export { createKafka } from './client.ts';
export { coPartitionedAssigner, coPartitionedAssignment } from './co-partitioned-assigner.ts';
export { DirectSource } from './consumer/direct-source.ts';
export { type ClientSoftware, kafkaCluster } from './consumer/kafka-cluster.ts';
export { DeadLetterWriter } from './dead-letter.ts';
export {
  DEFAULT_MAX_MESSAGE_BYTES,
  DLQ_HEADERS,
  RECORD_BATCH_OVERHEAD,
  recordSize,
} from './dead-letter-plan.ts';
export { describeKafka, type KafkaClusterInfo } from './describe-kafka.ts';
export {
  createPartitioner,
  hashedPartitions,
  PARTITIONER_NAMES,
  type Partitioner,
  type PartitionerName,
  toKafkajsPartitioner,
} from './partitioners.ts';
export { RawProducer } from './raw-producer.ts';
export { type ForwardSender, RepartitionTopics } from './repartition-topics.ts';
export { isRetriableKafkaError, kafkaErrorType, kafkaRetry, retryingKafka } from './retry.ts';
export { kafkaFailureReason, kafkaSecurityOptions } from './security.ts';
export { ignoreKafkajsTimeoutWarning } from './timeout-warning.ts';
export { readMaxMessageBytes } from './topic-limits.ts';
export { KafkaTransactions, transactionTimeoutMs } from './transactions.ts';
