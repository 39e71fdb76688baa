export { type BrokerState, brokerStatus, type StartOptions, startBroker, stopBroker } from './broker.ts';
export { type BrokerSecurity, SCRAM_MECHANISMS, type ScramMechanism } from './config.ts';
export { ensureKafkaJars } from './fetch.ts';
export { brokerLogDir } from './log-dir.ts';
export {
  type BrokerKeystore,
  type ClientCertificate,
  generateBrokerKeystore,
  generateCa,
  generateClientCertificate,
  type TestCa,
} from './tls.ts';
export { cacheRoot, DEFAULT_KAFKA_VERSION, kafkaVersion } from './versions.ts';
