import pg from 'pg';
import { inject } from 'vitest';

/** The PostgreSQL the global setup provides. */
export function testPostgresUrl(): string {
  return inject('postgresUrl');
}

/** Runs one statement on its own connection and returns the rows. */
export async function pgQuery<R extends Record<string, unknown>>(
  url: string,
  text: string,
  values: readonly unknown[] = [],
): Promise<R[]> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    return (await client.query<R>(text, [...values])).rows;
  } finally {
    await client.end();
  }
}

/** The URL the aggregate job takes in SLUICE_SINK. */
export function sinkUrl(url: string, table: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('table', table);
  return parsed.toString();
}
