import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode, SluiceError } from '../../src/errors/index.ts';

/** A throwaway certificate authority: its certificate and its (unencrypted) key, as PEM files. */
export type TestCa = { readonly certFile: string; readonly keyFile: string };

/** The broker's side of TLS: a PKCS12 keystore with a certificate the CA signed for 127.0.0.1. */
export type BrokerKeystore = { readonly file: string; readonly password: string; readonly ca: TestCa };

/** A client certificate the CA signed, with its key encrypted under `passphrase`. */
export type ClientCertificate = {
  readonly certFile: string;
  readonly keyFile: string;
  readonly passphrase: string;
};

const DAYS = '2';

function run(command: string, args: readonly string[]): void {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    throw new SluiceError(
      ErrorCode.localKafka,
      `${command} ${args[0]} failed (exit ${result.status}): ${result.error?.message ?? ''}${result.stderr}`,
      { cause: result.error },
    );
  }
}

/** A new CA in `dir` (`ca.pem`, `ca.key`), named `name` so two CAs in a test are told apart. */
export function generateCa(dir: string, name = 'sluice-test-ca'): TestCa {
  mkdirSync(dir, { recursive: true });
  const certFile = join(dir, 'ca.pem');
  const keyFile = join(dir, 'ca.key');
  run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    keyFile,
    '-out',
    certFile,
    '-days',
    DAYS,
    '-subj',
    `/CN=${name}`,
  ]);
  return { certFile, keyFile };
}

/**
 * The broker keystore, made the way Kafka's security docs do it: keytool generates the key pair
 * and a request, openssl signs it with the CA, keytool imports the CA and the signed certificate.
 * The certificate names 127.0.0.1 and localhost, so clients' host name checks pass.
 */
export function generateBrokerKeystore(dir: string, ca: TestCa): BrokerKeystore {
  const file = join(dir, 'broker.p12');
  const csr = join(dir, 'broker.csr');
  const signed = join(dir, 'broker.pem');
  const extensions = join(dir, 'broker.ext');
  const password = randomBytes(12).toString('hex');
  const store = ['-keystore', file, '-storetype', 'PKCS12', '-storepass', password];
  run('keytool', [
    '-genkeypair',
    ...store,
    '-alias',
    'broker',
    '-keyalg',
    'RSA',
    '-keysize',
    '2048',
    '-validity',
    DAYS,
    '-dname',
    'CN=127.0.0.1',
    '-ext',
    'SAN=IP:127.0.0.1,DNS:localhost',
  ]);
  run('keytool', ['-certreq', ...store, '-alias', 'broker', '-file', csr]);
  // openssl x509 -req drops the request's extensions; the SAN has to be given again.
  writeFileSync(extensions, 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  signWithCa(ca, csr, signed, extensions);
  run('keytool', ['-importcert', ...store, '-alias', 'ca', '-file', ca.certFile, '-noprompt']);
  run('keytool', ['-importcert', ...store, '-alias', 'broker', '-file', signed, '-noprompt']);
  return { file, password, ca };
}

/** Signs the request `csr` with `ca` into `out`; `extensions`: a file of extensions to add. */
function signWithCa(ca: TestCa, csr: string, out: string, extensions?: string): void {
  run('openssl', [
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca.certFile,
    '-CAkey',
    ca.keyFile,
    '-CAcreateserial',
    '-out',
    out,
    '-days',
    DAYS,
    '-sha256',
    ...(extensions ? ['-extfile', extensions] : []),
  ]);
}

/** A client certificate for `name`, signed by `ca`, its key in encrypted PKCS8 PEM. */
export function generateClientCertificate(
  dir: string,
  ca: TestCa,
  name = 'sluice-client',
): ClientCertificate {
  const keyFile = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const certFile = join(dir, `${name}.pem`);
  const passphrase = randomBytes(12).toString('hex');
  run('openssl', [
    'req',
    '-newkey',
    'rsa:2048',
    '-keyout',
    keyFile,
    '-passout',
    `pass:${passphrase}`,
    '-out',
    csr,
    '-subj',
    `/CN=${name}`,
  ]);
  signWithCa(ca, csr, certFile);
  return { certFile, keyFile, passphrase };
}
