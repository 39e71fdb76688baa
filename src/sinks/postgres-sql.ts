// The PostgreSQL sink's SQL: table and offsets-table DDL, batched upserts, offset reads and writes.

import type { OffsetRange } from '../core/index.ts';
import type { PostgresSinkSpec, PostgresTable } from '../dsl/index.ts';
import { ErrorCode, SluiceError } from '../errors/index.ts';

/** A parameterised statement, as `pg`'s `client.query` takes it. */
export type Statement = { readonly text: string; readonly values: readonly unknown[] };

/** PostgreSQL's limit on the parameters of one statement ($1 … $65535). */
export const MAX_PARAMETERS = 65_535;

export const OFFSETS_TABLE = 'sluice_offsets';

// Names are validated as plain identifiers when the job is built, so quoting needs no escaping.
const quote = (name: string): string => `"${name}"`;

export function tableSql(table: PostgresTable): string {
  return table.schema === undefined ? quote(table.name) : `${quote(table.schema)}.${quote(table.name)}`;
}

/** How messages and the offsets table name the table: `name` or `schema.name`. */
export function tableText(table: PostgresTable): string {
  return table.schema === undefined ? table.name : `${table.schema}.${table.name}`;
}

export function createTableSql(spec: PostgresSinkSpec): string {
  const keys = new Set(spec.keys);
  const columns = spec.columns.map(
    (column) => `${quote(column.name)} ${column.type}${keys.has(column.name) ? ' NOT NULL' : ''}`,
  );
  const primaryKey = `PRIMARY KEY (${spec.keys.map(quote).join(', ')})`;
  return `CREATE TABLE IF NOT EXISTS ${tableSql(spec.table)} (${[...columns, primaryKey].join(', ')})`;
}

/**
 * The values as rows in column order. Rows with equal keys keep the last value: one
 * `INSERT … ON CONFLICT DO UPDATE` must not touch a row twice (PostgreSQL error 21000).
 */
export function rowsOf(spec: PostgresSinkSpec, values: readonly unknown[], batchId: number): unknown[][] {
  const keyIndexes = spec.keys.map((key) => spec.columns.findIndex((column) => column.name === key));
  const rows = new Map<string, unknown[]>();
  for (const value of values) {
    const row = spec.columns.map((column) => {
      try {
        return column.value(value);
      } catch (error) {
        throw new SluiceError(
          ErrorCode.sinkRejected,
          `PostgreSQL table ${tableText(spec.table)}: column ${column.name} of a value of batch ${batchId} cannot be computed: ${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        );
      }
    });
    const key = JSON.stringify(keyIndexes.map((index) => keyPart(row[index])));
    rows.delete(key);
    rows.set(key, row);
  }
  return [...rows.values()];
}

function keyPart(value: unknown): unknown {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/** Upserts of the rows, as many rows a statement as the parameter limit allows. */
export function upsertStatements(
  spec: PostgresSinkSpec,
  rows: readonly (readonly unknown[])[],
  maxParameters = MAX_PARAMETERS,
): Statement[] {
  const width = spec.columns.length;
  const perStatement = Math.max(1, Math.floor(maxParameters / width));
  const keys = new Set(spec.keys);
  const updated = spec.columns.filter((column) => !keys.has(column.name));
  const head = `INSERT INTO ${tableSql(spec.table)} (${spec.columns.map((column) => quote(column.name)).join(', ')}) VALUES `;
  const conflict =
    updated.length === 0
      ? `ON CONFLICT (${spec.keys.map(quote).join(', ')}) DO NOTHING`
      : `ON CONFLICT (${spec.keys.map(quote).join(', ')}) DO UPDATE SET ${updated
          .map((column) => `${quote(column.name)} = EXCLUDED.${quote(column.name)}`)
          .join(', ')}`;
  const statements: Statement[] = [];
  for (let start = 0; start < rows.length; start += perStatement) {
    const chunk = rows.slice(start, start + perStatement);
    const tuples = chunk.map(
      (_, row) =>
        `(${Array.from({ length: width }, (__, column) => `$${row * width + column + 1}`).join(', ')})`,
    );
    statements.push({ text: `${head}${tuples.join(', ')} ${conflict}`, values: chunk.flat() });
  }
  return statements;
}

/** The offsets table, next to the results (in the same schema). */
export function offsetsTableSql(schema: string | undefined): string {
  return tableSql({ schema, name: OFFSETS_TABLE });
}

export function createOffsetsTableSql(schema: string | undefined): string {
  return (
    `CREATE TABLE IF NOT EXISTS ${offsetsTableSql(schema)} (` +
    'group_id text NOT NULL, sink text NOT NULL, topic text NOT NULL, "partition" integer NOT NULL, ' +
    'until_offset bigint NOT NULL, updated_at timestamptz NOT NULL DEFAULT now(), ' +
    'PRIMARY KEY (group_id, sink, topic, "partition"))'
  );
}

type Where = { readonly groupId: string; readonly sink: string; readonly schema: string | undefined };

/**
 * The stored ends of the given partitions. `lock`: inside the batch's transaction, so that an
 * instance writing the same partitions waits for this one to commit.
 */
export function selectOffsets(
  where: Where,
  partitions: readonly { readonly topic: string; readonly partition: number }[],
  lock: boolean,
): Statement {
  return {
    text:
      `SELECT topic, "partition", until_offset FROM ${offsetsTableSql(where.schema)} ` +
      'WHERE group_id = $1 AND sink = $2 AND (topic, "partition") IN (SELECT * FROM unnest($3::text[], $4::integer[]))' +
      (lock ? ' FOR UPDATE' : ''),
    values: [
      where.groupId,
      where.sink,
      partitions.map((item) => item.topic),
      partitions.map((item) => item.partition),
    ],
  };
}

/** Moves a partition's end from the range's start to its end; touches no row if another moved it. */
export function updateOffset(where: Where, range: OffsetRange): Statement {
  return {
    text:
      `UPDATE ${offsetsTableSql(where.schema)} SET until_offset = $5, updated_at = now() ` +
      'WHERE group_id = $1 AND sink = $2 AND topic = $3 AND "partition" = $4 AND until_offset = $6',
    values: [
      where.groupId,
      where.sink,
      range.topic,
      range.partition,
      range.untilOffset.toString(),
      range.fromOffset.toString(),
    ],
  };
}

/** A partition's first row; touches no row if another instance inserted it meanwhile. */
export function insertOffset(where: Where, range: OffsetRange): Statement {
  return {
    text:
      `INSERT INTO ${offsetsTableSql(where.schema)} (group_id, sink, topic, "partition", until_offset) ` +
      'VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING',
    values: [where.groupId, where.sink, range.topic, range.partition, range.untilOffset.toString()],
  };
}
