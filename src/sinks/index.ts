export { toJson } from './json.ts';
export { type OutputContext, Outputs } from './outputs.ts';
export { batchFileName, writeBatchFile } from './sink-file.ts';
export { KafkaOutput } from './sink-kafka.ts';
export { formatPrint } from './sink-print.ts';
