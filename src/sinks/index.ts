// sinks/: where batch results go — print, files, Kafka, PostgreSQL; written from the main thread.

export { type OutputContext, Outputs } from './outputs.ts';
export { postgresNodes, postgresProblems } from './postgres-outputs.ts';
export {
  batchFileName,
  removeStaleTempFiles,
  removeStaleTempFilesOf,
  tempFileName,
  writeBatchBytes,
  writeBatchFile,
} from './sink-file.ts';
export { KafkaOutput, requests } from './sink-kafka.ts';
export { PostgresOutput } from './sink-postgres.ts';
export { formatPrint } from './sink-print.ts';
