import { describe, expect, it } from 'vitest';
import { environmentRows } from '../../src/admin/environment.ts';

const rows = (env: Record<string, string>) =>
  Object.fromEntries(
    environmentRows(env, 4).map(({ variable, value, source }) => [variable, { value, source }]),
  );

describe('environmentRows', () => {
  it('lists every variable: as set, or its default', () => {
    const listed = rows({ SLUICE_GROUP_ID: 'orders', SLUICE_BATCH_INTERVAL_MS: '500' });
    expect(listed.SLUICE_GROUP_ID).toEqual({ value: 'orders', source: 'env' });
    expect(listed.SLUICE_BATCH_INTERVAL_MS).toEqual({ value: '500', source: 'env' });
    expect(listed.SLUICE_TRIGGER).toEqual({ value: 'micro-batch', source: 'default' });
    // Sorted by name, each once.
    const names = environmentRows({}, 4).map((row) => row.variable);
    expect(names).toEqual([...new Set(names)].toSorted((a, b) => a.localeCompare(b)));
  });

  it('never shows a secret: SASL passwords, key passphrases, their files, a URL password', () => {
    const env = {
      SLUICE_KAFKA_SASL_MECHANISM: 'plain',
      SLUICE_KAFKA_SASL_USERNAME: 'app',
      SLUICE_KAFKA_SASL_PASSWORD: 'pw-Hunter2-sasl',
      SLUICE_KAFKA_SASL_PASSWORD_FILE: '/run/secrets/pw-Hunter2-file',
      SLUICE_KAFKA_SSL_KEY_PASSPHRASE: 'pw-Hunter2-key',
      SLUICE_SINK: 'postgres://app:pw-Hunter2-url@db:5432/shop?table=counts&sslpassword=pw-Hunter2-query',
    };
    const listed = rows(env);
    expect(listed.SLUICE_KAFKA_SASL_PASSWORD).toEqual({ value: '[redacted]', source: 'env' });
    expect(listed.SLUICE_KAFKA_SASL_PASSWORD_FILE).toEqual({ value: '[redacted]', source: 'env' });
    expect(listed.SLUICE_KAFKA_SSL_KEY_PASSPHRASE).toEqual({ value: '[redacted]', source: 'env' });
    expect(listed.SLUICE_KAFKA_SASL_USERNAME).toEqual({ value: 'app', source: 'env' });
    expect(listed.SLUICE_SINK).toEqual({
      value: 'postgres://app:[redacted]@db:5432/shop?table=counts&sslpassword=[redacted]',
      source: 'env',
    });
    expect(JSON.stringify(environmentRows(env, 4))).not.toContain('Hunter2');
  });

  it('leaves out what is not a SLUICE_* variable of Sluice', () => {
    const names = environmentRows({ PGPASSWORD: 'secret', SLUICE_NOT_A_VARIABLE: 'x' }, 4).map(
      (row) => row.variable,
    );
    expect(names).not.toContain('PGPASSWORD');
    expect(names).not.toContain('SLUICE_NOT_A_VARIABLE');
  });
});
