import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { AdminState } from '../../src/admin/index.ts';
import { loadConfig } from '../../src/config/index.ts';
import { postgresSinkSpec } from '../../src/dsl/postgres-spec.ts';
import { redactSetting, redactText, SluiceError } from '../../src/errors/index.ts';
import { PostgresOutput } from '../../src/sinks/index.ts';
import { adminServers } from '../admin/serve.ts';
import { runCli } from '../support/cli.ts';
import { configProblems as problems } from '../support/config-problems.ts';

// Every path that echoes a value: each assertion checks that the password never appears and that
// the redacted form does, so a path that drops the value altogether would not pass either.
const PASSWORD = 'Pa55-word';

describe('redactText and redactSetting', () => {
  it.each([
    ['postgres://app:hunter22@db:5432/x', 'postgres://app:[redacted]@db:5432/x'],
    ['see postgres://app:p@ss/w0rd@db/x, then', 'see postgres://app:[redacted]@db/x, then'],
    ['"url":"postgres://app:hunter22@db/x","at":"a@b"', '"url":"postgres://app:[redacted]@db/x","at":"a@b"'],
    [
      'postgres://db/x?sslmode=require&password=hunter22&a=1',
      'postgres://db/x?sslmode=require&password=[redacted]&a=1',
    ],
    ['https://h/p?access_token=abc.def#top', 'https://h/p?access_token=[redacted]#top'],
    [
      'http://127.0.0.1:4040/readyz and postgres://sluice@db/app',
      'http://127.0.0.1:4040/readyz and postgres://sluice@db/app',
    ],
  ])('redactText(%j)', (text, shown) => {
    expect(redactText(text)).toBe(shown);
  });

  it.each([
    ['postgres://app:has space "and quote@db/x?table=t', 'postgres://app:[redacted]@db/x?table=t'],
    ['sasl_ssl://alice:s3cr3t@kafka:9093', 'sasl_ssl://alice:[redacted]@kafka:9093'],
    ['alice:s3cr3t@kafka:9093,b:9092', 'alice:[redacted]@kafka:9093,b:9092'],
    ['postgres://db/app?table=t&x=a@b', 'postgres://db/app?table=t&x=a@b'],
    ['kafka:9092', 'kafka:9092'],
  ])('redactSetting(%j)', (value, shown) => {
    expect(redactSetting(value)).toBe(shown);
  });
});

describe('configuration messages', () => {
  // Each SLUICE_SINK message of postgresSink, and a URL pasted into SLUICE_BROKERS.
  it.each([
    [
      { SLUICE_SINK: `postgres://user:${PASSWORD}@db/app` },
      'SLUICE_SINK must name the table: postgres://user@host:5432/db?table=results; got "postgres://user:[redacted]@db/app"',
    ],
    [
      { SLUICE_SINK: `postgres://user:${PASSWORD}@db:port/app?table=t` },
      'SLUICE_SINK must be a PostgreSQL URL such as postgres://user@host:5432/db?table=results; got "postgres://user:[redacted]@db:port/app?table=t"',
    ],
    [
      { SLUICE_SINK: `postgres:///app?table=t&password=${PASSWORD}` },
      'SLUICE_SINK must name a host: postgres://user@host:5432/db?table=results; got "postgres:///app?table=t&password=[redacted]"',
    ],
    [
      { SLUICE_SINK: `postgres://db/app?table=a-b&password=${PASSWORD}` },
      'SLUICE_SINK table "a-b" must be name or schema.name (letters, digits, "_"); got "postgres://db/app?table=a-b&password=[redacted]"',
    ],
    [
      { SLUICE_SINK: `postgres://user:${PASSWORD}@db/app?table=a-b` },
      'SLUICE_SINK table "a-b" must be name or schema.name (letters, digits, "_"); got "postgres://user:[redacted]@db/app?table=a-b"',
    ],
    [
      { SLUICE_BROKERS: `sasl_ssl://alice:${PASSWORD}@kafka:9093`, SLUICE_TOPICS: 't' },
      'SLUICE_BROKERS entry "sasl_ssl://alice:[redacted]@kafka:9093" must be host:port with a port from 1 to 65535; got "sasl_ssl://alice:[redacted]@kafka:9093"',
    ],
  ])('%j', (env, message) => {
    expect(problems(env)).toEqual([message]);
  });

  it('never shows a secret variable, whatever else is wrong', () => {
    const lines = problems({
      SLUICE_KAFKA_SASL_PASSWORD: PASSWORD,
      SLUICE_KAFKA_SSL_KEY_PASSPHRASE: PASSWORD,
      SLUICE_WORKERS: PASSWORD,
    });
    expect(lines).toEqual([
      'SLUICE_WORKERS must be an integer >= 1; got "[redacted]"',
      'SLUICE_KAFKA_SSL_KEY_PASSPHRASE needs SLUICE_KAFKA_SSL=true',
      'SLUICE_KAFKA_SSL_KEY_PASSPHRASE needs SLUICE_KAFKA_SSL_KEY_FILE',
      'SLUICE_KAFKA_SASL_PASSWORD needs SLUICE_KAFKA_SASL_MECHANISM (plain, scram-sha-256, scram-sha-512)',
    ]);
  });

  it('sluice run prints the error without the password and exits 2', async () => {
    const result = await runCli(['run'], { SLUICE_SINK: `postgres://user:${PASSWORD}@db/app` });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'SLUICE_CONFIG_INVALID: SLUICE_SINK must name the table: postgres://user@host:5432/db?table=results; got "postgres://user:[redacted]@db/app"\n',
    );
  });
});

describe('errors and log lines', () => {
  it('a SluiceError that quotes a URL or a loaded secret', () => {
    loadConfig({ SLUICE_SINK: `postgres://user:${PASSWORD}@db/app?table=t` }, { cpus: 2 });
    const error = new SluiceError(
      'SLUICE_SINK',
      `driver said: bad password ${PASSWORD} for postgres://user:${PASSWORD}@db/app`,
    );
    expect(error.message).toBe('driver said: bad password [redacted] for postgres://user:[redacted]@db/app');
  });

  it('every log line, in its message and its fields at any depth', () => {
    const script = `
      import { createLogger } from ${JSON.stringify(new URL('../../src/log/index.ts', import.meta.url).href)};
      const log = createLogger('info', 'json');
      log.warn(
        { key: 'url-1', nested: { list: ['postgres://u:${PASSWORD}@db/x?table=t'] }, at: new Date(0) },
        'cannot reach https://db/x?token=${PASSWORD}',
      );`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(child.stderr).not.toContain(PASSWORD);
    const line = JSON.parse(child.stderr) as Record<string, unknown>;
    expect(line).toMatchObject({
      key: 'url-1',
      nested: { list: ['postgres://u:[redacted]@db/x?table=t'] },
      at: '1970-01-01T00:00:00.000Z',
      msg: 'cannot reach https://db/x?token=[redacted]',
    });
  });
});

describe('admin answers', () => {
  const start = adminServers();

  it('/readyz and /api/status name a failure without the password', async () => {
    const admin = new AdminState();
    admin.readiness.failed(
      `SLUICE_SINK: postgres://sluice:${PASSWORD}/x@db:5432/app?password=${PASSWORD} refused`,
    );
    const url = await start(admin);
    for (const path of ['/readyz', '/api/status']) {
      const body = await (await fetch(`${url}${path}`)).text();
      expect(body).not.toContain(PASSWORD);
      expect(JSON.parse(body)).toMatchObject({
        status: 'failed',
        reason: 'SLUICE_SINK: postgres://sluice:[redacted]@db:5432/app?password=[redacted] refused',
      });
    }
  });
});

describe('the PostgreSQL sink', () => {
  it('a connection error that quotes the URL or the password', async () => {
    const url = `postgres://app:${PASSWORD}-pg@db.example:6543/metrics`;
    const warnings: string[] = [];
    const output = new PostgresOutput({
      spec: postgresSinkSpec({ table: 'counts' }),
      url,
      guarantee: 'at-least-once',
      groupId: 'g',
      log: { warn: (_, message) => warnings.push(message) },
      pool: {
        connect: async () => {
          throw new Error(`connection to ${url} refused; password "${PASSWORD}-pg" expired`);
        },
        end: async () => {},
      },
    });
    const info = { batchId: 3, time: 0, intervalMs: 1000, offsetRanges: [] };
    const error = await output
      .write([{ key: 'a', windowStart: 0, windowEnd: 10, value: 1 }], info)
      .catch((caught: unknown) => caught);
    expect((error as Error).message).toBe(
      'PostgreSQL output to table counts on db.example:6543/metrics failed for batch 3: connection to postgres://app:[redacted]@db.example:6543/metrics refused; password "[redacted]" expired',
    );
  });
});
