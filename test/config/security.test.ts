import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, loadKafkaSecurity } from '../../src/config/index.ts';
import { PLAINTEXT } from './plaintext.ts';

const dir = mkdtempSync(join(tmpdir(), 'sluice-config-security-'));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const CA = file('ca.pem', 'ca');
const CERT = file('cert.pem', 'cert');
const KEY = file('key.pem', 'key');

function problems(env: Record<string, string>): readonly string[] {
  try {
    loadKafkaSecurity(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}

const SASL = { SLUICE_KAFKA_SASL_MECHANISM: 'scram-sha-512', SLUICE_KAFKA_SASL_USERNAME: 'app' };

describe('Kafka security variables', () => {
  it('default to PLAINTEXT without SASL', () => {
    expect(loadKafkaSecurity({})).toStrictEqual(PLAINTEXT);
  });

  it('read TLS paths and secrets, a secret file without its trailing newline', () => {
    const security = loadKafkaSecurity({
      SLUICE_KAFKA_SSL: 'true',
      SLUICE_KAFKA_SSL_CA_FILE: CA,
      SLUICE_KAFKA_SSL_CERT_FILE: CERT,
      SLUICE_KAFKA_SSL_KEY_FILE: KEY,
      SLUICE_KAFKA_SSL_KEY_PASSPHRASE: 'key-phrase',
      ...SASL,
      SLUICE_KAFKA_SASL_PASSWORD_FILE: file('password', 'from-the-file\n'),
    });
    expect([
      security.kafkaSsl,
      security.kafkaSslCaFile,
      security.kafkaSslCertFile,
      security.kafkaSslKeyFile,
    ]).toEqual([true, CA, CERT, KEY]);
    expect(security.kafkaSslKeyPassphrase?.reveal()).toBe('key-phrase');
    expect(security.kafkaSaslPasswordFile?.reveal()).toBe('from-the-file');
    expect(security.kafkaSaslPassword).toBeUndefined();
    expect([security.kafkaSaslMechanism, security.kafkaSaslUsername]).toEqual(['scram-sha-512', 'app']);
  });

  it('are part of loadConfig, whose dump shows no secret', () => {
    const config = loadConfig({ ...SASL, SLUICE_KAFKA_SASL_PASSWORD: 'hunter2-secret' }, { cpus: 2 });
    expect(config.kafkaSaslPassword?.reveal()).toBe('hunter2-secret');
    expect(JSON.stringify(config)).toContain('"kafkaSaslPassword":"[redacted]"');
    expect(JSON.stringify(config)).not.toContain('hunter2-secret');
  });

  it('refuse a value of SLUICE_KAFKA_SSL other than true or false', () => {
    expect(problems({ SLUICE_KAFKA_SSL: 'yes' })).toEqual([
      'SLUICE_KAFKA_SSL must be true or false; got "yes"',
    ]);
  });

  it('refuse an unknown SASL mechanism', () => {
    expect(
      problems({ ...SASL, SLUICE_KAFKA_SASL_MECHANISM: 'gssapi', SLUICE_KAFKA_SASL_PASSWORD: 'pw12' }),
    ).toEqual([
      'SLUICE_KAFKA_SASL_MECHANISM must be one of plain, scram-sha-256, scram-sha-512; got "gssapi"',
    ]);
  });

  it('name the variable and the path of a file that does not exist', () => {
    expect(problems({ SLUICE_KAFKA_SSL: 'true', SLUICE_KAFKA_SSL_CA_FILE: '/nope/ca.pem' })).toEqual([
      'SLUICE_KAFKA_SSL_CA_FILE names a file that does not exist; got "/nope/ca.pem"',
    ]);
  });

  it('name the variable and the path of a file that cannot be read', () => {
    const locked = file('locked', 'pw');
    chmodSync(locked, 0o000);
    const expected =
      process.getuid?.() === 0
        ? []
        : ['SLUICE_KAFKA_SASL_PASSWORD_FILE names a file that cannot be read (EACCES); got '];
    const found = problems({
      ...SASL,
      SLUICE_KAFKA_SASL_PASSWORD_FILE: locked,
      SLUICE_KAFKA_SASL_USERNAME: '',
    }).filter((line) => line.includes('cannot be read'));
    expect(found.map((line) => line.replace(/got .*$/, 'got '))).toEqual(expected);
  });

  it('refuse a folder where a file belongs, and an empty secret file', () => {
    expect(problems({ ...SASL, SLUICE_KAFKA_SASL_PASSWORD_FILE: dir })).toEqual([
      `SLUICE_KAFKA_SASL_PASSWORD_FILE names a file that is not a file; got ${JSON.stringify(dir)}`,
    ]);
    const empty = file('empty', '\n');
    expect(problems({ ...SASL, SLUICE_KAFKA_SASL_PASSWORD_FILE: empty })).toEqual([
      `SLUICE_KAFKA_SASL_PASSWORD_FILE names an empty file; got ${JSON.stringify(empty)}`,
    ]);
  });

  it('refuse a secret given both inline and as a file, naming both', () => {
    expect(
      problems({
        ...SASL,
        SLUICE_KAFKA_SASL_PASSWORD: 'pw12',
        SLUICE_KAFKA_SASL_PASSWORD_FILE: file('pw', 'pw12'),
      }),
    ).toEqual([
      'SLUICE_KAFKA_SASL_PASSWORD and SLUICE_KAFKA_SASL_PASSWORD_FILE are both set; set one of them',
    ]);
    expect(
      problems({
        SLUICE_KAFKA_SSL: 'true',
        SLUICE_KAFKA_SSL_CERT_FILE: CERT,
        SLUICE_KAFKA_SSL_KEY_FILE: KEY,
        SLUICE_KAFKA_SSL_KEY_PASSPHRASE: 'phrase',
        SLUICE_KAFKA_SSL_KEY_PASSPHRASE_FILE: file('phrase', 'phrase'),
      }),
    ).toEqual([
      'SLUICE_KAFKA_SSL_KEY_PASSPHRASE and SLUICE_KAFKA_SSL_KEY_PASSPHRASE_FILE are both set; set one of them',
    ]);
  });

  it('want the user name and a password with a mechanism', () => {
    expect(problems({ SLUICE_KAFKA_SASL_MECHANISM: 'plain' })).toEqual([
      'SLUICE_KAFKA_SASL_USERNAME is required when SLUICE_KAFKA_SASL_MECHANISM=plain',
      'SLUICE_KAFKA_SASL_PASSWORD or SLUICE_KAFKA_SASL_PASSWORD_FILE is required when SLUICE_KAFKA_SASL_MECHANISM=plain',
    ]);
  });

  it('want a mechanism with a user name or a password', () => {
    expect(problems({ SLUICE_KAFKA_SASL_USERNAME: 'app', SLUICE_KAFKA_SASL_PASSWORD: 'pw12' })).toEqual([
      'SLUICE_KAFKA_SASL_USERNAME needs SLUICE_KAFKA_SASL_MECHANISM (plain, scram-sha-256, scram-sha-512)',
      'SLUICE_KAFKA_SASL_PASSWORD needs SLUICE_KAFKA_SASL_MECHANISM (plain, scram-sha-256, scram-sha-512)',
    ]);
  });

  it('want SLUICE_KAFKA_SSL=true for the TLS variables', () => {
    expect(problems({ SLUICE_KAFKA_SSL_CA_FILE: CA, SLUICE_KAFKA_SSL_INSECURE: 'true' })).toEqual([
      'SLUICE_KAFKA_SSL_CA_FILE needs SLUICE_KAFKA_SSL=true',
      'SLUICE_KAFKA_SSL_INSECURE needs SLUICE_KAFKA_SSL=true',
    ]);
  });

  it('want the client certificate and its key together', () => {
    expect(problems({ SLUICE_KAFKA_SSL: 'true', SLUICE_KAFKA_SSL_CERT_FILE: CERT })).toEqual([
      'SLUICE_KAFKA_SSL_CERT_FILE and SLUICE_KAFKA_SSL_KEY_FILE go together; SLUICE_KAFKA_SSL_KEY_FILE is unset',
    ]);
    expect(problems({ SLUICE_KAFKA_SSL: 'true', SLUICE_KAFKA_SSL_KEY_FILE: KEY })).toEqual([
      'SLUICE_KAFKA_SSL_CERT_FILE and SLUICE_KAFKA_SSL_KEY_FILE go together; SLUICE_KAFKA_SSL_CERT_FILE is unset',
    ]);
  });

  it('want a key file for a key passphrase', () => {
    expect(problems({ SLUICE_KAFKA_SSL: 'true', SLUICE_KAFKA_SSL_KEY_PASSPHRASE: 'phrase' })).toEqual([
      'SLUICE_KAFKA_SSL_KEY_PASSPHRASE needs SLUICE_KAFKA_SSL_KEY_FILE',
    ]);
  });

  it('refuse SLUICE_KAFKA_SSL_INSECURE beside a CA file that it would ignore', () => {
    expect(
      problems({ SLUICE_KAFKA_SSL: 'true', SLUICE_KAFKA_SSL_INSECURE: 'true', SLUICE_KAFKA_SSL_CA_FILE: CA }),
    ).toEqual([
      'SLUICE_KAFKA_SSL_INSECURE=true checks no certificate, so SLUICE_KAFKA_SSL_CA_FILE would be ignored; unset one of them',
    ]);
  });

  it('never put a secret into a message', () => {
    const secret = 'never-shown-4711';
    const error = (() => {
      try {
        loadConfig({
          SLUICE_KAFKA_SASL_PASSWORD: secret,
          SLUICE_KAFKA_SSL_KEY_PASSPHRASE: secret,
          SLUICE_WORKERS: '0',
        });
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).not.toContain(secret);
    expect((error as ConfigError).problems).toContain(
      'SLUICE_KAFKA_SASL_PASSWORD needs SLUICE_KAFKA_SASL_MECHANISM (plain, scram-sha-256, scram-sha-512)',
    );
  });
});
