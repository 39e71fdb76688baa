// The configuration: SLUICE_* environment variables, validated together at start-up.

export { renderConfigDocs } from './docs.ts';
export { integerRangeText } from './fields.ts';
export { DEFAULT_GENERATOR_RATE, generatorRate } from './generator-rate.ts';
export { DEFAULT_HTTP_PORT, HTTP_PORT_TRIES, httpPorts } from './http-port.ts';
export { ConfigError, loadConfig, loadKafkaSecurity } from './load.ts';
export { configOptions, DEV_VARIABLES } from './options.ts';
export { REDACTED, redact, redactText, Secret } from './secret.ts';
export {
  COMPRESSIONS,
  type Compression,
  type KafkaSecurityConfig,
  type LogLevel,
  type NativeMode,
  type SluiceConfig,
  type TopicSelection,
} from './types.ts';
