// TLS and SASL options for kafkajs from the SLUICE_KAFKA_* variables, and readable TLS failures.

import { readFileSync } from 'node:fs';
import { type ConnectionOptions, createSecureContext } from 'node:tls';
import type { SASLOptions } from 'kafkajs';
import type { KafkaSecurityConfig } from '../config/index.ts';
import { redactText } from '../config/index.ts';
import { ErrorCode, SluiceError } from '../errors/index.ts';

/** What kafkajs takes for TLS and SASL; both absent for a PLAINTEXT cluster. */
export type KafkaSecurityOptions = {
  readonly ssl?: ConnectionOptions;
  readonly sasl?: SASLOptions;
};

// Node's codes for a broker certificate that does not check out.
const UNTRUSTED = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);

function readPem(variable: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new SluiceError(
      ErrorCode.configInvalid,
      `${variable} names a file that cannot be read (${code}): ${path}`,
      {
        cause: error,
      },
    );
  }
}

function tlsOptions(config: KafkaSecurityConfig): ConnectionOptions {
  const passphrase = (config.kafkaSslKeyPassphrase ?? config.kafkaSslKeyPassphraseFile)?.reveal();
  const options: ConnectionOptions = {
    // Explicit, so that NODE_TLS_REJECT_UNAUTHORIZED=0 in the environment cannot turn the check off.
    rejectUnauthorized: !config.kafkaSslInsecure,
    ...(config.kafkaSslCaFile === undefined
      ? {}
      : { ca: [readPem('SLUICE_KAFKA_SSL_CA_FILE', config.kafkaSslCaFile)] }),
    ...(config.kafkaSslCertFile === undefined
      ? {}
      : { cert: readPem('SLUICE_KAFKA_SSL_CERT_FILE', config.kafkaSslCertFile) }),
    ...(config.kafkaSslKeyFile === undefined
      ? {}
      : { key: readPem('SLUICE_KAFKA_SSL_KEY_FILE', config.kafkaSslKeyFile) }),
    ...(passphrase === undefined ? {} : { passphrase }),
  };
  // Loading the context now turns a wrong passphrase or a key of another certificate into a
  // message at start, instead of a handshake that fails on every retry.
  try {
    createSecureContext(options);
  } catch (error) {
    const reason = redactText(error instanceof Error ? error.message : String(error));
    const files = [
      ['SLUICE_KAFKA_SSL_CA_FILE', config.kafkaSslCaFile],
      ['SLUICE_KAFKA_SSL_CERT_FILE', config.kafkaSslCertFile],
      ['SLUICE_KAFKA_SSL_KEY_FILE', config.kafkaSslKeyFile],
    ]
      .filter(([, path]) => path !== undefined)
      .map(([name, path]) => `${name} (${path})`)
      .join(', ');
    const hint = passphrase === undefined ? '' : ', or the key passphrase does not open the key';
    throw new SluiceError(
      ErrorCode.configInvalid,
      `the TLS files ${files} cannot be used: ${reason} (not PEM, a key that is not the certificate's${hint})`,
      { cause: error },
    );
  }
  return options;
}

/**
 * The kafkajs `ssl` and `sasl` settings for the security variables. Reads the TLS files (at start:
 * every caller builds its client then) and throws `SLUICE_CONFIG_INVALID` naming the variable and
 * the path when one cannot be read or used.
 *
 * @example
 * new Kafka({ brokers, ...kafkaSecurityOptions(config) });
 */
export function kafkaSecurityOptions(config: KafkaSecurityConfig): KafkaSecurityOptions {
  const ssl = config.kafkaSsl ? tlsOptions(config) : undefined;
  const password = (config.kafkaSaslPassword ?? config.kafkaSaslPasswordFile)?.reveal();
  const { kafkaSaslMechanism: mechanism, kafkaSaslUsername: username } = config;
  const sasl =
    mechanism !== undefined && username !== undefined && password !== undefined
      ? { mechanism, username, password }
      : undefined;
  return { ...(ssl ? { ssl } : {}), ...(sasl ? { sasl } : {}) };
}

/** kafkajs's name for the error and its chain of causes, outermost first. */
function chain(
  error: unknown,
): { readonly name: string; readonly code: string | undefined; readonly message: string }[] {
  const out = [];
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 8; depth++) {
    const code = (current as { code?: unknown }).code;
    out.push({
      name: current.name,
      code: typeof code === 'string' ? code : undefined,
      message: current.message,
    });
    current = current.cause;
  }
  return out;
}

/**
 * Why a connection failed, in terms of the security variables: a SASL failure names the mechanism
 * and the user (never the password), an untrusted certificate names SLUICE_KAFKA_SSL_CA_FILE.
 * Anything else is kafkajs's own message. Loaded secrets are cut out of the text either way.
 */
export function kafkaFailureReason(error: unknown, config: KafkaSecurityConfig): string {
  const links = chain(error);
  const reason = redactText(links[0]?.message ?? String(error));
  const sasl = links.find((link) => link.name === 'KafkaJSSASLAuthenticationError');
  if (sasl !== undefined && config.kafkaSaslMechanism !== undefined) {
    return redactText(
      `SASL ${config.kafkaSaslMechanism.toUpperCase()} authentication as user "${config.kafkaSaslUsername ?? ''}" failed (SLUICE_KAFKA_SASL_MECHANISM, SLUICE_KAFKA_SASL_USERNAME, SLUICE_KAFKA_SASL_PASSWORD): ${sasl.message}`,
    );
  }
  const tls = links.find((link) => link.code !== undefined && UNTRUSTED.has(link.code));
  if (tls !== undefined) {
    const trust =
      config.kafkaSslCaFile === undefined
        ? "Node's public CAs (set SLUICE_KAFKA_SSL_CA_FILE to the CA that signed it)"
        : `the CA in SLUICE_KAFKA_SSL_CA_FILE (${config.kafkaSslCaFile})`;
    return `TLS: the broker's certificate is not signed by ${trust}: ${reason} (${tls.code})`;
  }
  const refused = links.find(
    (link) =>
      /ALERT_(BAD_CERTIFICATE|CERTIFICATE_REQUIRED|UNKNOWN_CA)/.test(link.code ?? '') ||
      /alert (bad certificate|certificate required|unknown ca)/.test(link.message),
  );
  if (refused !== undefined) {
    const given =
      config.kafkaSslCertFile === undefined
        ? 'none was given (SLUICE_KAFKA_SSL_CERT_FILE is unset)'
        : `SLUICE_KAFKA_SSL_CERT_FILE (${config.kafkaSslCertFile}) is not signed by a CA it trusts`;
    return `TLS: the broker refused the client certificate: ${given}: ${reason}`;
  }
  const altName = links.find((link) => link.code === 'ERR_TLS_CERT_ALTNAME_INVALID');
  if (altName !== undefined) {
    return `TLS: the broker's certificate is not made out to the host connected to: ${reason} (${altName.code})`;
  }
  return reason;
}
