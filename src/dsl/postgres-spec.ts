// toPostgres specs: table, columns and conflict keys, validated when the job is built.

import { keyText } from '../core/index.ts';
import { ErrorCode, SluiceError } from '../errors/index.ts';
import { synchronous } from './synchronous.ts';

/** One column of a PostgreSQL output: its SQL type (used by `createTable`) and how a value gives it. */
export type PostgresColumn<T> = { readonly type: string; readonly value: (value: T) => unknown };

export type PostgresOutputOptions<T> = {
  /** `postgres://user@host:port/db`; default: the URL of `SLUICE_SINK` when it names PostgreSQL. */
  readonly connection?: string;
  /** `name` or `schema.name`; quoted as given, so case matters. */
  readonly table: string;
  /** Column name → type and value; default: the window result columns (`windowColumns`). */
  readonly columns?: Readonly<Record<string, PostgresColumn<T>>>;
  /** The upsert's conflict target; default with the window columns: key, window_start, window_end. */
  readonly keys?: readonly string[];
  /** `CREATE TABLE IF NOT EXISTS` with the columns and the keys as primary key, before the first write. */
  readonly createTable?: boolean;
};

export type PostgresTable = { readonly schema: string | undefined; readonly name: string };

export type PostgresSinkSpec = {
  readonly type: 'postgres';
  readonly connection: string | undefined;
  readonly table: PostgresTable;
  readonly columns: readonly {
    readonly name: string;
    readonly type: string;
    readonly value: (value: unknown) => unknown;
  }[];
  readonly keys: readonly string[];
  readonly createTable: boolean;
};

const IDENTIFIER = /^[A-Za-z_]\w{0,62}$/;
// A type name with modifiers (numeric(12,2), varchar(40), text[], timestamp with time zone).
const SQL_TYPE = /^[A-Za-z][\w ]*(?:\(\d+(?:,\s*\d+)?\))?(?:\[\])?$/;

type WindowLike = { key: unknown; windowStart: number; windowEnd: number; value: unknown };

function windowResult(value: unknown): WindowLike {
  if (typeof value === 'object' && value !== null) {
    const row = value as Record<string, unknown>;
    if (typeof row.windowStart === 'number' && typeof row.windowEnd === 'number' && 'key' in row) {
      return row as WindowLike;
    }
  }
  throw new SluiceError(
    ErrorCode.sinkRejected,
    `toPostgres without columns takes window results {key, windowStart, windowEnd, value}; got ${JSON.stringify(value)}`,
  );
}

/**
 * The columns of window results `{key, windowStart, windowEnd, value}`: key as text, the window
 * bounds as timestamptz, the value as double precision (pass your own `value` column otherwise).
 */
export function windowColumns(): Readonly<Record<string, PostgresColumn<unknown>>> {
  return {
    key: { type: 'text', value: (row) => keyText(windowResult(row).key) },
    window_start: { type: 'timestamptz', value: (row) => new Date(windowResult(row).windowStart) },
    window_end: { type: 'timestamptz', value: (row) => new Date(windowResult(row).windowEnd) },
    value: { type: 'double precision', value: (row) => windowResult(row).value },
  };
}

export const WINDOW_KEYS = ['key', 'window_start', 'window_end'] as const;

function invalid(message: string): SluiceError {
  return new SluiceError(ErrorCode.jobInvalid, `toPostgres: ${message}`);
}

export function parseTable(table: string): PostgresTable {
  const parts = table.split('.');
  if (parts.length > 2 || !parts.every((part) => IDENTIFIER.test(part))) {
    throw invalid(
      `table must be name or schema.name, each a letter or "_" then letters, digits or "_"; got ${JSON.stringify(table)}`,
    );
  }
  return parts.length === 2
    ? { schema: parts[0], name: parts[1] as string }
    : { schema: undefined, name: parts[0] as string };
}

/** Validates the options of `toPostgres` where the job is built, so a mistake stops the start. */
export function postgresSinkSpec<T>(options: PostgresOutputOptions<T>): PostgresSinkSpec {
  const table = parseTable(options.table);
  if (options.connection !== undefined) {
    try {
      new URL(options.connection);
    } catch {
      throw invalid(`connection must be a URL such as postgres://user@host:5432/db; got a text that is not`);
    }
  }
  const given = options.columns;
  const columns = Object.entries(given ?? windowColumns()).map(([name, column]) => {
    if (!IDENTIFIER.test(name)) throw invalid(`column ${JSON.stringify(name)} is not a plain identifier`);
    if (!SQL_TYPE.test(column.type)) {
      throw invalid(`column ${name} has type ${JSON.stringify(column.type)}, which is not a SQL type name`);
    }
    const value = synchronous(`toPostgres column ${name}`, column.value);
    return { name, type: column.type, value };
  });
  if (columns.length === 0) throw invalid('columns must name at least one column');
  const keys = options.keys ?? (given === undefined ? WINDOW_KEYS : undefined);
  if (keys === undefined || keys.length === 0) {
    throw invalid('keys must name the columns of the upsert (INSERT … ON CONFLICT (keys))');
  }
  const names = new Set(columns.map((column) => column.name));
  const unknown = keys.filter((key) => !names.has(key));
  if (unknown.length > 0) throw invalid(`keys ${unknown.join(', ')} are not among the columns`);
  if (new Set(keys).size !== keys.length) throw invalid('keys must not repeat a column');
  return {
    type: 'postgres',
    connection: options.connection,
    table,
    columns,
    keys: [...keys],
    createTable: options.createTable ?? false,
  };
}
