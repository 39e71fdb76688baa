import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  KafkaJSConnectionError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSSASLAuthenticationError,
} from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { generateCa, generateClientCertificate } from '../../scripts/local-kafka/index.ts';
import { loadKafkaSecurity } from '../../src/config/index.ts';
import { isSluiceError, type SluiceError } from '../../src/errors/index.ts';
import { createKafka, kafkaFailureReason, kafkaSecurityOptions } from '../../src/kafka/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'sluice-kafka-security-'));
const ca = generateCa(join(dir, 'ca'));
const client = generateClientCertificate(join(dir, 'ca'), ca);
const other = generateClientCertificate(join(dir, 'ca'), ca, 'other-client');

const mtls = (passphrase: string) =>
  loadKafkaSecurity({
    SLUICE_KAFKA_SSL: 'true',
    SLUICE_KAFKA_SSL_CA_FILE: ca.certFile,
    SLUICE_KAFKA_SSL_CERT_FILE: client.certFile,
    SLUICE_KAFKA_SSL_KEY_FILE: client.keyFile,
    SLUICE_KAFKA_SSL_KEY_PASSPHRASE: passphrase,
  });

function thrown(work: () => unknown): SluiceError {
  try {
    work();
  } catch (error) {
    if (isSluiceError(error)) return error;
    throw error;
  }
  throw new Error('expected a SluiceError');
}

describe('kafkaSecurityOptions', () => {
  it('is empty for PLAINTEXT', () => {
    expect(kafkaSecurityOptions(loadKafkaSecurity({}))).toStrictEqual({});
  });

  it('checks certificates, also against NODE_TLS_REJECT_UNAUTHORIZED=0, with the files read', () => {
    const options = kafkaSecurityOptions(mtls(client.passphrase));
    expect(options.ssl?.rejectUnauthorized).toBe(true);
    expect(options.ssl?.ca).toHaveLength(1);
    expect(String(options.ssl?.cert)).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(String(options.ssl?.key)).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
    expect(options.ssl?.passphrase).toBe(client.passphrase);
    expect(options.sasl).toBeUndefined();
  });

  it('turns the check off only for SLUICE_KAFKA_SSL_INSECURE=true, and warns at start', () => {
    const security = loadKafkaSecurity({ SLUICE_KAFKA_SSL: 'true', SLUICE_KAFKA_SSL_INSECURE: 'true' });
    expect(kafkaSecurityOptions(security).ssl?.rejectUnauthorized).toBe(false);
    const warnings: string[] = [];
    const log = {
      info() {},
      debug() {},
      error() {},
      warn: (_: object, message: string) => warnings.push(message),
    };
    createKafka({ brokers: ['127.0.0.1:9'], clientId: 'c', ...security }, log);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^INSECURE: TLS without any check of the brokers' certificates/);
  });

  it('passes the SASL user and the revealed password to kafkajs', () => {
    const security = loadKafkaSecurity({
      SLUICE_KAFKA_SASL_MECHANISM: 'scram-sha-256',
      SLUICE_KAFKA_SASL_USERNAME: 'app',
      SLUICE_KAFKA_SASL_PASSWORD: 'pw-2718',
    });
    expect(kafkaSecurityOptions(security)).toStrictEqual({
      sasl: { mechanism: 'scram-sha-256', username: 'app', password: 'pw-2718' },
    });
  });

  it('refuses a wrong key passphrase at start, naming the files and not the passphrase', () => {
    const error = thrown(() => kafkaSecurityOptions(mtls('wrong-phrase-1234')));
    expect(error.code).toBe('SLUICE_CONFIG_INVALID');
    expect(error.message).toContain(
      `the TLS files SLUICE_KAFKA_SSL_CA_FILE (${ca.certFile}), SLUICE_KAFKA_SSL_CERT_FILE (${client.certFile}), SLUICE_KAFKA_SSL_KEY_FILE (${client.keyFile}) cannot be used`,
    );
    expect(error.message).not.toContain('wrong-phrase-1234');
  });

  it("refuses a key that is not the certificate's", () => {
    const security = loadKafkaSecurity({
      SLUICE_KAFKA_SSL: 'true',
      SLUICE_KAFKA_SSL_CERT_FILE: client.certFile,
      SLUICE_KAFKA_SSL_KEY_FILE: other.keyFile,
      SLUICE_KAFKA_SSL_KEY_PASSPHRASE: other.passphrase,
    });
    expect(thrown(() => kafkaSecurityOptions(security)).message).toMatch(/key values mismatch/);
  });
});

describe('kafkaFailureReason', () => {
  const sasl = loadKafkaSecurity({
    SLUICE_KAFKA_SSL: 'true',
    SLUICE_KAFKA_SSL_CA_FILE: ca.certFile,
    SLUICE_KAFKA_SASL_MECHANISM: 'plain',
    SLUICE_KAFKA_SASL_USERNAME: 'alice',
    SLUICE_KAFKA_SASL_PASSWORD: 'alice-pw-1618',
  });

  it('names the mechanism and the user of a failed SASL authentication, not the password', () => {
    // kafkajs's types declare no constructor arguments; the class takes the message as the others do.
    const SaslError = KafkaJSSASLAuthenticationError as unknown as new (message: string) => Error;
    const error = new SaslError(
      'SASL PLAIN authentication failed: Authentication failed: Invalid username or password (alice-pw-1618)',
    );
    expect(kafkaFailureReason(error, sasl)).toBe(
      'SASL PLAIN authentication as user "alice" failed (SLUICE_KAFKA_SASL_MECHANISM, SLUICE_KAFKA_SASL_USERNAME, SLUICE_KAFKA_SASL_PASSWORD): SASL PLAIN authentication failed: Authentication failed: Invalid username or password ([redacted])',
    );
  });

  it('names the CA file when the broker certificate is not trusted, through the retry wrapper', () => {
    const cause = new KafkaJSConnectionError(
      'Connection error: self-signed certificate in certificate chain',
      {
        code: 'SELF_SIGNED_CERT_IN_CHAIN',
      },
    );
    const error = new KafkaJSNumberOfRetriesExceeded(cause, { retryCount: 5, retryTime: 1000 });
    expect(kafkaFailureReason(error, sasl)).toBe(
      `TLS: the broker's certificate is not signed by the CA in SLUICE_KAFKA_SSL_CA_FILE (${ca.certFile}): Connection error: self-signed certificate in certificate chain (SELF_SIGNED_CERT_IN_CHAIN)`,
    );
  });

  it('says when the broker refused the missing client certificate', () => {
    const error = new KafkaJSConnectionError('Connection error: ssl/tls alert bad certificate');
    expect(kafkaFailureReason(error, sasl)).toBe(
      'TLS: the broker refused the client certificate: none was given (SLUICE_KAFKA_SSL_CERT_FILE is unset): Connection error: ssl/tls alert bad certificate',
    );
  });

  it("keeps kafkajs's message otherwise", () => {
    expect(kafkaFailureReason(new KafkaJSConnectionError('Connection timeout'), sasl)).toBe(
      'Connection timeout',
    );
  });
});
