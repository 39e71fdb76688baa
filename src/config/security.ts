// The Kafka security variables (TLS files, SASL mechanism and credentials) and the rules between them.

import {
  type Field,
  flag,
  optionalChoice,
  optionalText,
  readableFile,
  secret,
  secretFile,
} from './fields.ts';
import type { ConfigEnv, ConfigOption } from './option-types.ts';
import { type KafkaSecurityConfig, SASL_MECHANISMS } from './types.ts';

const mechanismList = SASL_MECHANISMS.join(', ');

function option<T>(env: string, field: Field<T>, description: string): ConfigOption<T> {
  return { env, schema: field.schema, type: field.type, default: field.default, description };
}

/** The Kafka security variables in docs order, keyed by their `KafkaSecurityConfig` field. */
export function securityOptions() {
  return {
    kafkaSsl: option(
      'SLUICE_KAFKA_SSL',
      flag(false),
      "Connect to the brokers with TLS. The brokers' certificates are checked against `SLUICE_KAFKA_SSL_CA_FILE` (or Node's public CAs), and so is the host name. See docs/security.md.",
    ),
    kafkaSslCaFile: option(
      'SLUICE_KAFKA_SSL_CA_FILE',
      readableFile(),
      "PEM file of the CA certificates that sign the brokers' certificates. Unset: Node's built-in public CAs. Needs `SLUICE_KAFKA_SSL=true`.",
    ),
    kafkaSslCertFile: option(
      'SLUICE_KAFKA_SSL_CERT_FILE',
      readableFile(),
      'PEM file of the client certificate, for brokers that require one (`ssl.client.auth=required`). Needs `SLUICE_KAFKA_SSL_KEY_FILE`.',
    ),
    kafkaSslKeyFile: option(
      'SLUICE_KAFKA_SSL_KEY_FILE',
      readableFile(),
      "PEM file of the client certificate's private key; encrypted keys need `SLUICE_KAFKA_SSL_KEY_PASSPHRASE`. Needs `SLUICE_KAFKA_SSL_CERT_FILE`.",
    ),
    kafkaSslKeyPassphrase: option(
      'SLUICE_KAFKA_SSL_KEY_PASSPHRASE',
      secret(),
      'Passphrase of an encrypted `SLUICE_KAFKA_SSL_KEY_FILE`. Never logged or shown.',
    ),
    kafkaSslKeyPassphraseFile: option(
      'SLUICE_KAFKA_SSL_KEY_PASSPHRASE_FILE',
      secretFile(),
      'File holding the key passphrase (a trailing newline is dropped), read at start; instead of `SLUICE_KAFKA_SSL_KEY_PASSPHRASE`.',
    ),
    kafkaSslInsecure: option(
      'SLUICE_KAFKA_SSL_INSECURE',
      flag(false),
      'Accept any broker certificate, unchecked (`rejectUnauthorized=false`): anyone on the path can read and change the traffic. Only for a test cluster; logged as a warning at every start. Nothing else turns the check off, not even `NODE_TLS_REJECT_UNAUTHORIZED=0`.',
    ),
    kafkaSaslMechanism: option(
      'SLUICE_KAFKA_SASL_MECHANISM',
      optionalChoice(SASL_MECHANISMS),
      `SASL authentication with \`SLUICE_KAFKA_SASL_USERNAME\` and a password; one of ${mechanismList}. Unset: no SASL. Use TLS too: \`plain\` sends the password as it is.`,
    ),
    kafkaSaslUsername: option(
      'SLUICE_KAFKA_SASL_USERNAME',
      optionalText('string'),
      'SASL user name. Required with `SLUICE_KAFKA_SASL_MECHANISM`.',
    ),
    kafkaSaslPassword: option(
      'SLUICE_KAFKA_SASL_PASSWORD',
      secret(),
      'SASL password; this or `SLUICE_KAFKA_SASL_PASSWORD_FILE` is required with `SLUICE_KAFKA_SASL_MECHANISM`. Never logged or shown.',
    ),
    kafkaSaslPasswordFile: option(
      'SLUICE_KAFKA_SASL_PASSWORD_FILE',
      secretFile(),
      'File holding the SASL password (a trailing newline is dropped), read at start; instead of `SLUICE_KAFKA_SASL_PASSWORD`.',
    ),
  } satisfies { readonly [K in keyof KafkaSecurityConfig]-?: ConfigOption<KafkaSecurityConfig[K]> };
}

const SSL_DEPENDENTS = [
  'SLUICE_KAFKA_SSL_CA_FILE',
  'SLUICE_KAFKA_SSL_CERT_FILE',
  'SLUICE_KAFKA_SSL_KEY_FILE',
  'SLUICE_KAFKA_SSL_KEY_PASSPHRASE',
  'SLUICE_KAFKA_SSL_KEY_PASSPHRASE_FILE',
  'SLUICE_KAFKA_SSL_INSECURE',
] as const;

/** The security variables together. Reads only names and the mechanism: never a secret's value. */
export function securityProblems(env: ConfigEnv, parsed: Partial<KafkaSecurityConfig>): string[] {
  const problems: string[] = [];
  const set = (name: string): boolean => env[name] !== undefined;
  for (const base of ['SLUICE_KAFKA_SASL_PASSWORD', 'SLUICE_KAFKA_SSL_KEY_PASSPHRASE']) {
    if (set(base) && set(`${base}_FILE`)) {
      problems.push(`${base} and ${base}_FILE are both set; set one of them`);
    }
  }
  if (parsed.kafkaSsl !== true && env.SLUICE_KAFKA_SSL !== 'true') {
    for (const name of SSL_DEPENDENTS) {
      if (set(name)) problems.push(`${name} needs SLUICE_KAFKA_SSL=true`);
    }
  }
  if (set('SLUICE_KAFKA_SSL_CERT_FILE') !== set('SLUICE_KAFKA_SSL_KEY_FILE')) {
    const missing = set('SLUICE_KAFKA_SSL_CERT_FILE')
      ? 'SLUICE_KAFKA_SSL_KEY_FILE'
      : 'SLUICE_KAFKA_SSL_CERT_FILE';
    problems.push(
      `SLUICE_KAFKA_SSL_CERT_FILE and SLUICE_KAFKA_SSL_KEY_FILE go together; ${missing} is unset`,
    );
  }
  if (
    !set('SLUICE_KAFKA_SSL_KEY_FILE') &&
    (set('SLUICE_KAFKA_SSL_KEY_PASSPHRASE') || set('SLUICE_KAFKA_SSL_KEY_PASSPHRASE_FILE'))
  ) {
    problems.push('SLUICE_KAFKA_SSL_KEY_PASSPHRASE needs SLUICE_KAFKA_SSL_KEY_FILE');
  }
  if (parsed.kafkaSsl === true && parsed.kafkaSslInsecure === true && set('SLUICE_KAFKA_SSL_CA_FILE')) {
    problems.push(
      'SLUICE_KAFKA_SSL_INSECURE=true checks no certificate, so SLUICE_KAFKA_SSL_CA_FILE would be ignored; unset one of them',
    );
  }
  const mechanism = env.SLUICE_KAFKA_SASL_MECHANISM;
  const password = set('SLUICE_KAFKA_SASL_PASSWORD') || set('SLUICE_KAFKA_SASL_PASSWORD_FILE');
  if (mechanism === undefined) {
    for (const name of [
      'SLUICE_KAFKA_SASL_USERNAME',
      'SLUICE_KAFKA_SASL_PASSWORD',
      'SLUICE_KAFKA_SASL_PASSWORD_FILE',
    ]) {
      if (set(name)) problems.push(`${name} needs SLUICE_KAFKA_SASL_MECHANISM (${mechanismList})`);
    }
  } else if (parsed.kafkaSaslMechanism !== undefined) {
    if (!set('SLUICE_KAFKA_SASL_USERNAME')) {
      problems.push(`SLUICE_KAFKA_SASL_USERNAME is required when SLUICE_KAFKA_SASL_MECHANISM=${mechanism}`);
    }
    if (!password) {
      problems.push(
        `SLUICE_KAFKA_SASL_PASSWORD or SLUICE_KAFKA_SASL_PASSWORD_FILE is required when SLUICE_KAFKA_SASL_MECHANISM=${mechanism}`,
      );
    }
  }
  return problems;
}
