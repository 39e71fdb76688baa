// toPostgres: upserts a batch's values, and under exactly-once stores offsets in the same transaction.

import pg from 'pg';
import type { BatchInfo } from '../core/index.ts';
import type { PostgresSinkSpec } from '../dsl/index.ts';
import { ErrorCode, registerUrlSecrets, SluiceError } from '../errors/index.ts';
import {
  conflictText,
  describeRange,
  matchOffsets,
  offsetKey,
  type StoredOffsets,
} from './postgres-offsets.ts';
import {
  createOffsetsTableSql,
  createTableSql,
  insertOffset,
  rowsOf,
  type Statement,
  selectOffsets,
  tableText,
  updateOffset,
  upsertStatements,
} from './postgres-sql.ts';

/** The part of a `pg` client the sink uses; tests pass a recording fake. */
export type SqlClient = {
  query(
    statement: Statement,
  ): Promise<{ readonly rows: readonly Record<string, unknown>[]; readonly rowCount: number | null }>;
  release(error?: Error | boolean): void;
};

export type SqlPool = {
  connect(): Promise<SqlClient>;
  end(): Promise<void>;
};

export type PostgresOutputOptions = {
  readonly spec: PostgresSinkSpec;
  readonly url: string;
  readonly guarantee: 'at-least-once' | 'exactly-once';
  /** Names this job's rows in the offsets table. */
  readonly groupId: string;
  readonly log?: {
    debug?(object: object, message: string): void;
    info?(object: object, message: string): void;
    warn(object: object, message: string): void;
  };
  /** Made from `url` with `pg` when absent. */
  readonly pool?: SqlPool;
};

export type PostgresWrite = 'written' | 'skipped';

// SQLSTATE classes of errors in the data or the schema: the same batch fails the same way again.
const REJECTED_CLASSES = new Set(['21', '22', '23', '42', '44']);
const CONNECT_TIMEOUT_MS = 10_000;
const QUERY_TIMEOUT_MS = 120_000;

/** `host:port/db` of a URL, without user or password, for messages. */
export function describeServer(url: string): string {
  const parsed = new URL(url);
  const host = parsed.hostname || parsed.searchParams.get('host') || 'localhost';
  return `${host}:${parsed.port || '5432'}${parsed.pathname || '/'}`;
}

function reasonOf(error: unknown): string {
  // A host with several addresses fails with an AggregateError whose own message is empty.
  if (error instanceof AggregateError && error.message === '') {
    return error.errors.map((inner: unknown) => reasonOf(inner)).join('; ');
  }
  return error instanceof Error ? error.message : String(error);
}

/**
 * One `toPostgres` output: a small pool, and one transaction per batch that upserts its rows and,
 * under exactly-once, moves the offsets of its ranges (Spark's recipe; see `matchOffsets`).
 */
export class PostgresOutput {
  readonly #options: PostgresOutputOptions;
  readonly #pool: SqlPool;
  readonly #table: string;
  readonly #server: string;
  #ready: Promise<void> | undefined;
  /** Batches found already written under exactly-once, and so skipped. */
  skipped = 0;

  constructor(options: PostgresOutputOptions) {
    this.#options = options;
    this.#table = tableText(options.spec.table);
    this.#server = describeServer(options.url);
    // A connection a job names itself (toPostgres({ connection })) is no config variable.
    registerUrlSecrets(new URL(options.url));
    this.#pool = options.pool ?? this.#makePool();
  }

  #makePool(): SqlPool {
    const pool = new pg.Pool({
      connectionString: this.#options.url,
      max: 2,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      idleTimeoutMillis: 10_000,
      // A server that stops answering (not one that closes the connection) must not hang the batch.
      query_timeout: QUERY_TIMEOUT_MS,
    });
    // An idle client whose server went away emits here; without a listener the process dies.
    // The pool drops that client and connects a new one on the next write.
    pool.on('error', (error) =>
      this.#options.log?.warn(
        { table: this.#table, server: this.#server, error: error.message },
        'PostgreSQL connection lost; the next write reconnects',
      ),
    );
    // Any client whose server goes away emits 'error', also while checked out or still being
    // handed out; a listener from its creation on keeps the process alive. The next query then
    // fails and the batch is retried.
    pool.on('connect', (client) => client.on('error', () => {}));
    return {
      connect: async () => {
        const client = await pool.connect();
        return {
          query: (statement) => client.query({ text: statement.text, values: [...statement.values] }),
          release: (error) => client.release(error),
        };
      },
      end: () => pool.end(),
    };
  }

  get #where() {
    const { groupId, spec } = this.#options;
    return { groupId, sink: this.#table, schema: spec.table.schema };
  }

  async write(values: readonly unknown[], info: BatchInfo): Promise<PostgresWrite> {
    const { spec, guarantee } = this.#options;
    const statements = upsertStatements(spec, rowsOf(spec, values, info.batchId));
    const ranges = guarantee === 'exactly-once' ? info.offsetRanges : [];
    if (statements.length === 0 && ranges.length === 0) return 'written';
    return this.#transaction(info, async (client) => {
      if (ranges.length > 0) {
        const stored = await this.#stored(client, ranges, true);
        const match = matchOffsets(ranges, stored);
        this.#options.log?.debug?.(
          {
            table: this.#table,
            batchId: info.batchId,
            match: match.kind,
            ranges: ranges.map(describeRange),
            stored: [...stored.values()].map(String),
          },
          'PostgreSQL offsets matched',
        );
        if (match.kind === 'skip') {
          this.skipped++;
          this.#options.log?.info?.(
            { table: this.#table, batchId: info.batchId, ranges: ranges.length },
            'batch already written to PostgreSQL (its offsets are stored); skipped',
          );
          return 'rollback';
        }
        if (match.kind === 'conflict') {
          throw new SluiceError(
            ErrorCode.sinkRejected,
            `PostgreSQL table ${this.#table} on ${this.#server}: batch ${info.batchId} cannot be written exactly once: ${conflictText(match.ranges)}`,
          );
        }
        for (const statement of statements) await client.query(statement);
        for (const state of match.ranges) {
          const statement =
            state.kind === 'first'
              ? insertOffset(this.#where, state.range)
              : updateOffset(this.#where, state.range);
          const result = await client.query(statement);
          // Another instance moved the row since the locked read (it inserted the first one).
          if (result.rowCount !== 1) {
            throw new SluiceError(
              ErrorCode.sink,
              `PostgreSQL table ${this.#table}: the offsets of batch ${info.batchId} changed while it was written; retrying`,
            );
          }
        }
        return 'commit';
      }
      for (const statement of statements) await client.query(statement);
      return 'commit';
    });
  }

  /** Per partition, the end the table holds; undefined for one it has never written. */
  async storedOffsets(
    partitions: readonly { readonly topic: string; readonly partition: number }[],
  ): Promise<(bigint | undefined)[]> {
    const client = await this.#connect();
    let broken: Error | undefined;
    try {
      await this.#prepare(client);
      const stored = await this.#stored(client, partitions, false);
      return partitions.map(({ topic, partition }) => stored.get(offsetKey(topic, partition)));
    } catch (error) {
      broken = error instanceof Error ? error : new Error(String(error));
      throw this.#failure(error, 'reading the stored offsets');
    } finally {
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }

  async #stored(
    client: SqlClient,
    partitions: readonly { readonly topic: string; readonly partition: number }[],
    lock: boolean,
  ): Promise<StoredOffsets> {
    const result = await client.query(selectOffsets(this.#where, partitions, lock));
    return new Map(
      result.rows.map((row) => [
        offsetKey(String(row.topic), Number(row.partition)),
        BigInt(String(row.until_offset)),
      ]),
    );
  }

  async #transaction(
    info: BatchInfo,
    body: (client: SqlClient) => Promise<'commit' | 'rollback'>,
  ): Promise<PostgresWrite> {
    const client = await this.#connect(info);
    let broken: Error | undefined;
    try {
      await this.#prepare(client);
      await client.query({ text: 'BEGIN', values: [] });
      const outcome = await body(client);
      await client.query({ text: outcome === 'commit' ? 'COMMIT' : 'ROLLBACK', values: [] });
      return outcome === 'commit' ? 'written' : 'skipped';
    } catch (error) {
      await client.query({ text: 'ROLLBACK', values: [] }).catch((rollback: unknown) => {
        broken = rollback instanceof Error ? rollback : new Error(String(rollback));
      });
      throw this.#failure(error, `batch ${info.batchId}`);
    } finally {
      // A client whose connection failed is dropped from the pool, not handed out again.
      client.release(broken);
    }
  }

  async #connect(info?: BatchInfo): Promise<SqlClient> {
    try {
      return await this.#pool.connect();
    } catch (error) {
      throw this.#failure(error, info ? `batch ${info.batchId}` : 'reading the stored offsets');
    }
  }

  /** Creates the tables once, on the first connection that works. */
  async #prepare(client: SqlClient): Promise<void> {
    const { spec, guarantee } = this.#options;
    this.#ready ??= (async () => {
      if (spec.createTable) await client.query({ text: createTableSql(spec), values: [] });
      if (guarantee === 'exactly-once') {
        await client.query({ text: createOffsetsTableSql(spec.table.schema), values: [] });
      }
    })().catch((error: unknown) => {
      this.#ready = undefined;
      throw error;
    });
    await this.#ready;
  }

  #failure(error: unknown, what: string): SluiceError {
    if (error instanceof SluiceError) return error;
    const where = `PostgreSQL output to table ${this.#table} on ${this.#server}`;
    if (error instanceof pg.DatabaseError && REJECTED_CLASSES.has(error.code?.slice(0, 2) ?? '')) {
      const details = [
        error.column && `column ${error.column}`,
        error.constraint && `constraint ${error.constraint}`,
        error.detail,
        `SQLSTATE ${error.code}`,
      ].filter(Boolean);
      return new SluiceError(
        ErrorCode.sinkRejected,
        `${where} rejected ${what}: ${error.message} (${details.join('; ')})`,
        { cause: error },
      );
    }
    return new SluiceError(ErrorCode.sink, `${where} failed for ${what}: ${reasonOf(error)}`, {
      cause: error,
    });
  }
}
