import type { KafkaSecurityConfig } from '../../src/config/index.ts';

/** The Kafka security variables when none is set: PLAINTEXT, no SASL. */
export const PLAINTEXT: KafkaSecurityConfig = {
  kafkaSsl: false,
  kafkaSslCaFile: undefined,
  kafkaSslCertFile: undefined,
  kafkaSslKeyFile: undefined,
  kafkaSslKeyPassphrase: undefined,
  kafkaSslKeyPassphraseFile: undefined,
  kafkaSslInsecure: false,
  kafkaSaslMechanism: undefined,
  kafkaSaslUsername: undefined,
  kafkaSaslPassword: undefined,
  kafkaSaslPasswordFile: undefined,
};
