// The kafkajs client of every command: brokers, client id, TLS and SASL, retries and logging.

import { Kafka, type LogEntry, logLevel, type RetryOptions } from 'kafkajs';
import { type KafkaSecurityConfig, redact, redactText, type SluiceConfig } from '../config/index.ts';
import type { Logger } from '../core/index.ts';
import { kafkaSecurityOptions } from './security.ts';

/** What a Kafka client is built from: the brokers, the client id and the security variables. */
export type KafkaClientConfig = Pick<SluiceConfig, 'brokers' | 'clientId'> & KafkaSecurityConfig;

/** Settings a command may choose for itself (an operator's tool waits less than `sluice run`). */
export type KafkaClientOverrides = {
  readonly brokers?: readonly string[];
  readonly connectionTimeout?: number;
  readonly retry?: RetryOptions;
};

/**
 * The one place kafkajs clients are built, so every command connects with the same TLS and SASL
 * settings. kafkajs logs through ours, at warn and above (its info level narrates every group
 * join), with secrets cut out. Throws `SLUICE_CONFIG_INVALID` when a TLS file cannot be used.
 *
 * @example
 * const kafka = createKafka(loadConfig(), log);
 */
export function createKafka(
  config: KafkaClientConfig,
  log: Logger,
  overrides: KafkaClientOverrides = {},
): Kafka {
  const list = overrides.brokers ?? config.brokers ?? [];
  const security = kafkaSecurityOptions(config);
  warnAboutSecurity(config, log);
  return new Kafka({
    clientId: config.clientId,
    brokers: [...list],
    ...security,
    ...(overrides.connectionTimeout === undefined ? {} : { connectionTimeout: overrides.connectionTimeout }),
    ...(overrides.retry === undefined ? {} : { retry: overrides.retry }),
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log: entry }: LogEntry) => {
        const { message, ...rest } = entry;
        const text = redactText(message);
        const fields = { kafkajs: redact(rest) };
        // kafkajs logs every error response at ERROR, retriable ones too (a coordinator still
        // loading); what is fatal reaches us as a consumer crash.
        const retriable = message.startsWith('Response ') || message.startsWith('Restarting the consumer');
        if (level <= logLevel.ERROR && !retriable) log.error(fields, text);
        else log.warn(fields, text);
      },
  });
}

function warnAboutSecurity(config: KafkaSecurityConfig, log: Logger): void {
  if (config.kafkaSsl && config.kafkaSslInsecure) {
    log.warn(
      { variable: 'SLUICE_KAFKA_SSL_INSECURE' },
      "INSECURE: TLS without any check of the brokers' certificates (SLUICE_KAFKA_SSL_INSECURE=true): anyone on the network path can read and change the traffic, SASL passwords included. Never use this outside a test cluster",
    );
  }
  if (config.kafkaSaslMechanism === 'plain' && !config.kafkaSsl) {
    log.warn(
      { variable: 'SLUICE_KAFKA_SASL_MECHANISM' },
      'SASL PLAIN without TLS (SLUICE_KAFKA_SSL unset) sends the password unencrypted',
    );
  }
}
