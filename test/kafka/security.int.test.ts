import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BrokerState,
  type ClientCertificate,
  generateBrokerKeystore,
  generateCa,
  generateClientCertificate,
  startBroker,
  stopBroker,
  type TestCa,
} from '../../scripts/local-kafka/index.ts';
import { type CliResult, runCli } from '../support/cli.ts';
import { type LogLine, logged } from '../support/logs.ts';

// A broker of this file's own with a SASL_SSL listener that wants a client certificate too: the
// shared broker of the other files stays PLAINTEXT and is never touched.
const PLAIN_USER = 'alice';
const PLAIN_PASSWORD = 'plain-Pa55word-7f3a';
const SCRAM_USER = 'bob';
const SCRAM_PASSWORD = 'scram-Pa55word-91c2';
const WRONG_PASSWORD = 'wrong-Pa55word-0d4e';
const SECRETS = [PLAIN_PASSWORD, SCRAM_PASSWORD, WRONG_PASSWORD];

const dir = mkdtempSync(join(tmpdir(), 'sluice-security-'));
let broker: BrokerState;
let ca: TestCa;
let otherCa: TestCa;
let client: ClientCertificate;

beforeAll(async () => {
  ca = generateCa(join(dir, 'ca'));
  otherCa = generateCa(join(dir, 'other-ca'), 'untrusted-ca');
  client = generateClientCertificate(join(dir, 'ca'), ca);
  const keystore = generateBrokerKeystore(join(dir, 'ca'), ca);
  broker = await startBroker({
    dir: join(dir, 'broker'),
    security: {
      keystore,
      clientCaFile: ca.certFile,
      plainUsers: { [PLAIN_USER]: PLAIN_PASSWORD },
      scramUsers: [{ mechanism: 'SCRAM-SHA-512', username: SCRAM_USER, password: SCRAM_PASSWORD }],
    },
  });
}, 180_000);

afterAll(async () => {
  await stopBroker(join(dir, 'broker'));
  rmSync(dir, { recursive: true, force: true });
});

function bootstrap(): string {
  if (broker.saslSslBootstrap === undefined) throw new Error('the broker has no SASL_SSL listener');
  return broker.saslSslBootstrap;
}

/** TLS with the test CA and the client certificate (its key encrypted, the passphrase from a file). */
function tlsEnv(caFile = ca.certFile): Record<string, string> {
  const passphraseFile = join(dir, 'passphrase');
  writeFileSync(passphraseFile, `${client.passphrase}\n`);
  return {
    SLUICE_BROKERS: bootstrap(),
    SLUICE_KAFKA_SSL: 'true',
    SLUICE_KAFKA_SSL_CA_FILE: caFile,
    SLUICE_KAFKA_SSL_CERT_FILE: client.certFile,
    SLUICE_KAFKA_SSL_KEY_FILE: client.keyFile,
    SLUICE_KAFKA_SSL_KEY_PASSPHRASE_FILE: passphraseFile,
  };
}

function plainEnv(password = PLAIN_PASSWORD): Record<string, string> {
  return {
    ...tlsEnv(),
    SLUICE_KAFKA_SASL_MECHANISM: 'plain',
    SLUICE_KAFKA_SASL_USERNAME: PLAIN_USER,
    SLUICE_KAFKA_SASL_PASSWORD: password,
  };
}

function scramEnv(): Record<string, string> {
  const passwordFile = join(dir, 'scram-password');
  writeFileSync(passwordFile, `${SCRAM_PASSWORD}\n`);
  return {
    ...tlsEnv(),
    SLUICE_KAFKA_SASL_MECHANISM: 'scram-sha-512',
    SLUICE_KAFKA_SASL_USERNAME: SCRAM_USER,
    SLUICE_KAFKA_SASL_PASSWORD_FILE: passwordFile,
  };
}

function runEnv(topic: string, security: Record<string, string>): Record<string, string> {
  return {
    ...security,
    SLUICE_TOPICS: topic,
    SLUICE_GROUP_ID: `${topic}-group`,
    SLUICE_TRIGGER: 'available-now',
    SLUICE_STARTING_OFFSETS: 'earliest',
    SLUICE_WORKERS: '1',
    SLUICE_SINK: `file:${join(dir, `${topic}-out`)}`,
    SLUICE_LOG_LEVEL: 'debug',
  };
}

function expectNoSecrets(result: CliResult): void {
  for (const secret of SECRETS) {
    expect(result.stdout).not.toContain(secret);
    expect(result.stderr).not.toContain(secret);
  }
}

function finished(result: CliResult): LogLine {
  const lines = logged(result.stderr, 'sluice finished');
  expect(lines, result.stderr).toHaveLength(1);
  return lines[0] as LogLine;
}

async function roundTrip(topic: string, security: Record<string, string>): Promise<void> {
  const produced = await runCli(
    ['produce', '--topic', topic, '--count', '600', '--partitions', '3', '--create'],
    {
      ...security,
    },
  );
  expectNoSecrets(produced);
  expect([produced.code, produced.stderr]).toEqual([0, '']);
  const summary = JSON.parse(produced.stdout) as { count: number; partitions: Record<string, number> };
  expect(summary.count).toBe(600);
  expect(Object.values(summary.partitions).reduce((a, b) => a + b, 0)).toBe(600);

  const run = await runCli(['run'], runEnv(topic, security));
  expectNoSecrets(run);
  expect(run.code, run.stderr).toBe(0);
  expect(finished(run).records).toBe(600);
}

describe('Kafka over SASL_SSL', () => {
  it('produces and runs with SASL PLAIN, TLS with a client certificate and an encrypted key', async () => {
    await roundTrip('secure-plain', plainEnv());
  });

  it('produces and runs with SCRAM-SHA-512, the password from a file', async () => {
    await roundTrip('secure-scram', scramEnv());
  });

  it('a wrong password stops the run naming the mechanism and the user, never the password', async () => {
    const run = await runCli(['run'], runEnv('secure-wrong', plainEnv(WRONG_PASSWORD)));
    expectNoSecrets(run);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('SLUICE_KAFKA: cannot connect to Kafka brokers 127.0.0.1:');
    expect(run.stderr).toContain(
      'SASL PLAIN authentication as user "alice" failed (SLUICE_KAFKA_SASL_MECHANISM, SLUICE_KAFKA_SASL_USERNAME, SLUICE_KAFKA_SASL_PASSWORD)',
    );
  });

  it('without the client certificate the broker refuses the handshake', async () => {
    const {
      SLUICE_KAFKA_SSL_CERT_FILE,
      SLUICE_KAFKA_SSL_KEY_FILE,
      SLUICE_KAFKA_SSL_KEY_PASSPHRASE_FILE,
      ...noCert
    } = plainEnv();
    const run = await runCli(['run'], runEnv('secure-no-cert', noCert));
    expectNoSecrets(run);
    expect(run.code).toBe(1);
  });

  it('a broker certificate from another CA fails the TLS handshake, naming SLUICE_KAFKA_SSL_CA_FILE', async () => {
    const run = await runCli(
      ['run'],
      runEnv('secure-untrusted', {
        ...plainEnv(),
        ...tlsEnv(otherCa.certFile),
      }),
    );
    expectNoSecrets(run);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `TLS: the broker's certificate is not signed by the CA in SLUICE_KAFKA_SSL_CA_FILE (${otherCa.certFile})`,
    );
  });
});
