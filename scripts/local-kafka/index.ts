export { type BrokerState, brokerStatus, type StartOptions, startBroker, stopBroker } from './broker.ts';
export { ensureKafkaJars } from './fetch.ts';
export { brokerLogDir } from './log-dir.ts';
export { cacheRoot, DEFAULT_KAFKA_VERSION, kafkaVersion } from './versions.ts';
