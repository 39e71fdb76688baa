import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { toOffset } from '../../src/core/index.ts';
import type { BatchInfo } from '../../src/core/types.ts';
import { postgresSinkSpec } from '../../src/dsl/postgres-spec.ts';
import type { Statement } from '../../src/sinks/postgres-sql.ts';
import { PostgresOutput, type SqlPool } from '../../src/sinks/sink-postgres.ts';

type Answer = { rows?: Record<string, unknown>[]; rowCount?: number } | Error;

/** A pool whose one client records every statement and answers from `answer`. */
function fakePool(answer: (statement: Statement) => Answer = () => ({})) {
  const log: string[] = [];
  const released: (Error | boolean | undefined)[] = [];
  const pool: SqlPool = {
    connect: async () => ({
      query: async (statement) => {
        log.push(statement.text.split(' (')[0] ?? statement.text);
        const result = answer(statement);
        if (result instanceof Error) throw result;
        return { rows: result.rows ?? [], rowCount: result.rowCount ?? 1 };
      },
      release: (error) => {
        released.push(error);
      },
    }),
    end: async () => {},
  };
  return { pool, log, released };
}

const spec = postgresSinkSpec({ table: 'counts', createTable: true });
const value = { key: 'a', windowStart: 0, windowEnd: 10, value: 3 };
const info = (ranges: BatchInfo['offsetRanges']): BatchInfo => ({
  batchId: 4,
  time: 1000,
  intervalMs: 1000,
  offsetRanges: ranges,
});
const range = { topic: 't', partition: 0, fromOffset: toOffset(10n), untilOffset: toOffset(20n) };

function output(pool: SqlPool, guarantee: 'at-least-once' | 'exactly-once', infos: string[] = []) {
  return new PostgresOutput({
    spec,
    url: 'postgres://u:secret@db.example:6543/app',
    guarantee,
    groupId: 'g',
    pool,
    log: { info: (_, message) => infos.push(message), warn: () => {} },
  });
}

const SELECT =
  'SELECT topic, "partition", until_offset FROM "sluice_offsets" WHERE group_id = $1 AND sink = $2 AND';

describe('PostgresOutput', () => {
  it('at-least-once: creates the table once, then upserts each batch in a transaction', async () => {
    const { pool, log } = fakePool();
    const sink = output(pool, 'at-least-once');
    expect(await sink.write([value], info([range]))).toBe('written');
    expect(await sink.write([], info([range]))).toBe('written');
    expect(await sink.write([value], info([]))).toBe('written');
    expect(log).toStrictEqual([
      'CREATE TABLE IF NOT EXISTS "counts"',
      'BEGIN',
      'INSERT INTO "counts"',
      'COMMIT',
      'BEGIN',
      'INSERT INTO "counts"',
      'COMMIT',
    ]);
  });

  it('exactly-once: upserts and moves the offsets in one transaction, even without rows', async () => {
    const { pool, log } = fakePool((statement) =>
      statement.text.startsWith('SELECT') ? { rows: [{ topic: 't', partition: 0, until_offset: '10' }] } : {},
    );
    const sink = output(pool, 'exactly-once');
    expect(
      await sink.write([value], info([range, { ...range, partition: 1, fromOffset: toOffset(0n) }])),
    ).toBe('written');
    expect(log).toStrictEqual([
      'CREATE TABLE IF NOT EXISTS "counts"',
      'CREATE TABLE IF NOT EXISTS "sluice_offsets"',
      'BEGIN',
      SELECT,
      'INSERT INTO "counts"',
      'UPDATE "sluice_offsets" SET until_offset = $5, updated_at = now() WHERE group_id = $1 AND sink = $2 AND topic = $3 AND "partition" = $4 AND until_offset = $6',
      'INSERT INTO "sluice_offsets"',
      'COMMIT',
    ]);
    log.length = 0;
    expect(await sink.write([], info([range]))).toBe('written');
    expect(log).toStrictEqual(['BEGIN', SELECT, log[2], 'COMMIT']);
    expect(log[2]).toMatch(/^UPDATE "sluice_offsets"/);
  });

  it('exactly-once: rolls back and skips a batch the table already holds, and says so', async () => {
    const { pool, log } = fakePool((statement) =>
      statement.text.startsWith('SELECT') ? { rows: [{ topic: 't', partition: 0, until_offset: '20' }] } : {},
    );
    const infos: string[] = [];
    const sink = output(pool, 'exactly-once', infos);
    expect(await sink.write([value], info([range]))).toBe('skipped');
    expect(sink.skipped).toBe(1);
    expect(log.slice(2)).toStrictEqual(['BEGIN', SELECT, 'ROLLBACK']);
    expect(infos).toStrictEqual(['batch already written to PostgreSQL (its offsets are stored); skipped']);
  });

  it('exactly-once: refuses a batch across the stored end, naming table, server and ranges', async () => {
    const { pool } = fakePool((statement) =>
      statement.text.startsWith('SELECT') ? { rows: [{ topic: 't', partition: 0, until_offset: '15' }] } : {},
    );
    await expect(output(pool, 'exactly-once').write([value], info([range]))).rejects.toMatchObject({
      code: 'SLUICE_SINK_REJECTED',
      message:
        'PostgreSQL table counts on db.example:6543/app: batch 4 cannot be written exactly once: t/0 [10, 20) does not start at the stored end 15',
    });
  });

  it('exactly-once: an offset row moved by another instance fails the batch (to retry)', async () => {
    const { pool } = fakePool((statement) =>
      statement.text.startsWith('UPDATE')
        ? { rowCount: 0 }
        : statement.text.startsWith('SELECT')
          ? { rows: [{ topic: 't', partition: 0, until_offset: '10' }] }
          : {},
    );
    await expect(output(pool, 'exactly-once').write([value], info([range]))).rejects.toMatchObject({
      code: 'SLUICE_SINK',
      message: 'PostgreSQL table counts: the offsets of batch 4 changed while it was written; retrying',
    });
  });

  it('a row the table refuses is SLUICE_SINK_REJECTED, naming table, batch, column and SQLSTATE', async () => {
    const refused = new pg.DatabaseError('value too long for type character varying(3)', 0, 'error');
    refused.code = '22001';
    refused.column = 'key';
    const { pool, log, released } = fakePool((statement) =>
      statement.text.startsWith('INSERT') ? refused : {},
    );
    await expect(output(pool, 'at-least-once').write([value], info([]))).rejects.toMatchObject({
      code: 'SLUICE_SINK_REJECTED',
      message:
        'PostgreSQL output to table counts on db.example:6543/app rejected batch 4: value too long for type character varying(3) (column key; SQLSTATE 22001)',
    });
    expect(log.at(-1)).toBe('ROLLBACK');
    expect(released).toStrictEqual([undefined]);
  });

  it('a server that cannot be reached is SLUICE_SINK (retried), naming table and server but no password', async () => {
    const pool: SqlPool = {
      connect: async () => {
        throw new Error('connect ECONNREFUSED 10.0.0.1:6543');
      },
      end: async () => {},
    };
    const failure = await output(pool, 'at-least-once')
      .write([value], info([]))
      .catch((error: unknown) => error);
    expect(failure).toMatchObject({
      code: 'SLUICE_SINK',
      message:
        'PostgreSQL output to table counts on db.example:6543/app failed for batch 4: connect ECONNREFUSED 10.0.0.1:6543',
    });
    expect(String((failure as Error).message)).not.toContain('secret');
  });

  it('a connection lost mid-batch drops the client from the pool', async () => {
    const lost = new Error('Connection terminated unexpectedly');
    const { pool, released } = fakePool((statement) => (statement.text.startsWith('CREATE') ? {} : lost));
    await expect(output(pool, 'at-least-once').write([value], info([]))).rejects.toMatchObject({
      code: 'SLUICE_SINK',
    });
    expect(released).toStrictEqual([lost]);
  });

  it('reads the stored ends of assigned partitions, undefined where none is stored', async () => {
    const { pool, log } = fakePool((statement) =>
      statement.text.startsWith('SELECT')
        ? { rows: [{ topic: 't', partition: 1, until_offset: '9007199254740993' }] }
        : {},
    );
    const ends = await output(pool, 'exactly-once').storedOffsets([
      { topic: 't', partition: 0 },
      { topic: 't', partition: 1 },
    ]);
    expect(ends).toStrictEqual([undefined, 9007199254740993n]);
    expect(log.at(-1)).toBe(SELECT);
  });
});
