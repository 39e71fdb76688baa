export { createKafka } from './client.ts';
export { DLQ_HEADERS, sendToDeadLetter } from './dead-letter.ts';
export { DirectSource, type DirectSourceOptions } from './direct-source.ts';
export { murmur2, toPositive } from './murmur2.ts';
export {
  createPartitioner,
  PARTITIONER_NAMES,
  type Partitioner,
  type PartitionerName,
  toKafkajsPartitioner,
} from './partitioners.ts';
export { isRetriableKafkaError, type KafkaRetryOptions, kafkaUnavailable, retryingKafka } from './retry.ts';
export {
  KafkaTransactions,
  type TransactionOffset,
  type TransactionsOptions,
  transactionTimeoutMs,
} from './transactions.ts';
