import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.ts';

function problems(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env, { cpus: 2 });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('SLUICE_SINK=postgres://…', () => {
  it('keeps the connection without the table, and the table', () => {
    expect(
      loadConfig({ SLUICE_SINK: 'postgres://app@db:5433/metrics?table=analytics.counts&sslmode=disable' })
        .sink,
    ).toStrictEqual({
      type: 'postgres',
      url: 'postgres://app@db:5433/metrics?sslmode=disable',
      table: 'analytics.counts',
    });
    expect(loadConfig({ SLUICE_SINK: 'postgresql://db/metrics?table=counts' }).sink).toStrictEqual({
      type: 'postgres',
      url: 'postgresql://db/metrics',
      table: 'counts',
    });
  });

  it.each([
    [
      'postgres://user@db:notaport/app?table=t',
      'SLUICE_SINK must be a PostgreSQL URL such as postgres://user@host:5432/db?table=results',
    ],
    ['postgres:///app?table=t', 'SLUICE_SINK must name a host: postgres://user@host:5432/db?table=results'],
    ['postgres://db/app', 'SLUICE_SINK must name the table: postgres://user@host:5432/db?table=results'],
    [
      'postgres://db/app?table=a-b',
      'SLUICE_SINK table "a-b" must be name or schema.name (letters, digits, "_")',
    ],
  ])('%s', (value, message) => {
    expect(problems({ SLUICE_SINK: value })).toStrictEqual([`${message}; got ${JSON.stringify(value)}`]);
  });
});
