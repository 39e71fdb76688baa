import { describe, expect, it } from 'vitest';
import { toOffset } from '../../src/core/index.ts';
import { type PostgresColumn, postgresSinkSpec } from '../../src/dsl/postgres-spec.ts';
import {
  createOffsetsTableSql,
  createTableSql,
  insertOffset,
  rowsOf,
  selectOffsets,
  updateOffset,
  upsertStatements,
} from '../../src/sinks/postgres-sql.ts';

const windows = postgresSinkSpec({ table: 'analytics.counts' });
const row = (key: string, start: number, value: number) => ({
  key,
  windowStart: start,
  windowEnd: start + 10,
  value,
});
const where = { groupId: 'g', sink: 'analytics.counts', schema: 'analytics' };
const range = { topic: 'clicks', partition: 2, fromOffset: toOffset(10n), untilOffset: toOffset(25n) };

describe('PostgreSQL statements', () => {
  it('creates the window table with the keys as primary key', () => {
    expect(createTableSql(windows)).toBe(
      'CREATE TABLE IF NOT EXISTS "analytics"."counts" ("key" text NOT NULL, "window_start" timestamptz NOT NULL, ' +
        '"window_end" timestamptz NOT NULL, "value" double precision, PRIMARY KEY ("key", "window_start", "window_end"))',
    );
  });

  it('upserts window results as (key, window_start, window_end, value)', () => {
    const rows = rowsOf(windows, [row('a', 0, 3), row('b', 10, 4.5)], 7);
    expect(upsertStatements(windows, rows)).toStrictEqual([
      {
        text:
          'INSERT INTO "analytics"."counts" ("key", "window_start", "window_end", "value") VALUES ($1, $2, $3, $4), ($5, $6, $7, $8) ' +
          'ON CONFLICT ("key", "window_start", "window_end") DO UPDATE SET "value" = EXCLUDED."value"',
        values: ['a', new Date(0), new Date(10), 3, 'b', new Date(10), new Date(20), 4.5],
      },
    ]);
  });

  it('keeps the last of rows with equal keys (one ON CONFLICT DO UPDATE must not touch a row twice)', () => {
    const rows = rowsOf(windows, [row('a', 0, 1), row('b', 0, 2), row('a', 0, 3)], 1);
    expect(rows).toStrictEqual([
      ['b', new Date(0), new Date(10), 2],
      ['a', new Date(0), new Date(10), 3],
    ]);
  });

  it('splits rows so that no statement passes the parameter limit', () => {
    const rows = rowsOf(windows, [row('a', 0, 1), row('b', 0, 2), row('c', 0, 3)], 1);
    const statements = upsertStatements(windows, rows, 9);
    expect(statements.map((statement) => statement.values.length)).toStrictEqual([8, 4]);
    expect(statements[1]?.text).toContain('VALUES ($1, $2, $3, $4) ON CONFLICT');
    expect(upsertStatements(windows, [])).toStrictEqual([]);
  });

  it('does nothing on conflict when every column is a key', () => {
    const columns: Record<string, PostgresColumn<string>> = { word: { type: 'text', value: (word) => word } };
    const spec = postgresSinkSpec({ table: 'words', columns, keys: ['word'] });
    expect(upsertStatements(spec, rowsOf(spec, ['x'], 1))).toStrictEqual([
      { text: 'INSERT INTO "words" ("word") VALUES ($1) ON CONFLICT ("word") DO NOTHING', values: ['x'] },
    ]);
  });

  it('names a column whose value cannot be computed, with the table and the batch', () => {
    expect(() => rowsOf(windows, [{ not: 'a window' }], 12)).toThrow(
      'PostgreSQL table analytics.counts: column key of a value of batch 12 cannot be computed: toPostgres without columns takes window results {key, windowStart, windowEnd, value}; got {"not":"a window"}',
    );
  });

  it('builds the offsets table and its statements with bigint offsets as text', () => {
    expect(createOffsetsTableSql('analytics')).toBe(
      'CREATE TABLE IF NOT EXISTS "analytics"."sluice_offsets" (group_id text NOT NULL, sink text NOT NULL, topic text NOT NULL, ' +
        '"partition" integer NOT NULL, until_offset bigint NOT NULL, updated_at timestamptz NOT NULL DEFAULT now(), ' +
        'PRIMARY KEY (group_id, sink, topic, "partition"))',
    );
    expect(selectOffsets(where, [range], true)).toStrictEqual({
      text:
        'SELECT topic, "partition", until_offset FROM "analytics"."sluice_offsets" WHERE group_id = $1 AND sink = $2 ' +
        'AND (topic, "partition") IN (SELECT * FROM unnest($3::text[], $4::integer[])) FOR UPDATE',
      values: ['g', 'analytics.counts', ['clicks'], [2]],
    });
    expect(updateOffset(where, range)).toStrictEqual({
      text:
        'UPDATE "analytics"."sluice_offsets" SET until_offset = $5, updated_at = now() ' +
        'WHERE group_id = $1 AND sink = $2 AND topic = $3 AND "partition" = $4 AND until_offset = $6',
      values: ['g', 'analytics.counts', 'clicks', 2, '25', '10'],
    });
    expect(insertOffset(where, range)).toStrictEqual({
      text: 'INSERT INTO "analytics"."sluice_offsets" (group_id, sink, topic, "partition", until_offset) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING',
      values: ['g', 'analytics.counts', 'clicks', 2, '25'],
    });
  });
});
