// The configuration: SLUICE_* environment variables, validated together at start-up.

export { renderConfigDocs } from './docs.ts';
export { integerRangeText } from './fields.ts';
export { ConfigError, loadConfig, loadKafkaSecurity } from './load.ts';
export type { ConfigOption, VariableDoc } from './option-types.ts';
export { configOptions, DEV_VARIABLES, defaultWorkers } from './options.ts';
export { REDACTED, redact, redactText, Secret } from './secret.ts';
export {
  AGGREGATIONS,
  type Aggregation,
  COMPRESSIONS,
  type Compression,
  DECODE_ERROR_POLICIES,
  type DecodeErrorPolicy,
  type KafkaSecurityConfig,
  LOG_LEVELS,
  type LoadConfigOptions,
  type LogLevel,
  NATIVE_MODES,
  type NativeMode,
  SASL_MECHANISMS,
  type SaslMechanism,
  type SinkConfig,
  type SluiceConfig,
  STARTING_OFFSETS,
  type StartingOffsets,
  type TopicSelection,
  TRIGGERS,
  type Trigger,
  VALUE_FORMATS,
  type ValueFormat,
} from './types.ts';
