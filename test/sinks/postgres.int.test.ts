import { describe, expect, it } from 'vitest';
import { startPostgres, stopPostgres } from '../../scripts/local-postgres/index.ts';
import { runCli, startCli, waitForLines, waitForLog } from '../support/cli.ts';
import { poll } from '../support/http.ts';
import { committedOffsets, sharedClients, testBrokers, uniqueName } from '../support/kafka.ts';
import { batchesSinceCheckpoint, logged, readPast } from '../support/logs.ts';
import { pgQuery, sinkUrl, testPostgresUrl } from '../support/postgres.ts';
import { random } from '../support/random.ts';
import { tempDirs } from '../support/temp-dirs.ts';
import { sortRows, type TimedKey, type WindowRow, windowCounts } from '../support/window-oracle.ts';

const kafka = sharedClients('postgres-sink-test');
const tempDir = tempDirs('sluice-postgres');

const BASE = Date.UTC(2025, 0, 1);
const PARTITIONS = 3;
const STEP_MS = 100;
const JITTER_MS = 1_500;
const WINDOW_MS = 4_000;
const SLIDE_MS = 2_000;
const KEYS = ['u0', 'u1', 'u2', 'u3', 'u4'] as const;
const CLOSING = 'closing';
const SKIPPED = 'batch already written to PostgreSQL (its offsets are stored); skipped';
const AGAIN = 'transaction request made again: the coordinator was ending the previous transaction';

type Produced = TimedKey & { readonly partition: number };

/** Records `from..until` of each partition, on a clock that lateness JITTER_MS never makes late. */
function events(seed: number, from: number, until: number): Produced[] {
  const next = random(seed + from);
  const records: Produced[] = [];
  for (let partition = 0; partition < PARTITIONS; partition++) {
    for (let i = from; i < until; i++) {
      const nominal = BASE + partition * 700 + i * STEP_MS;
      const key = KEYS[Math.floor(next() * KEYS.length)] as string;
      records.push({ partition, key, time: nominal - Math.floor(next() * JITTER_MS) });
    }
  }
  return records;
}

/** One record per partition far ahead: its watermark closes every window of the others. */
const closing = (): Produced[] =>
  Array.from({ length: PARTITIONS }, (_, partition) => ({
    partition,
    key: CLOSING,
    time: BASE + 10_000_000_000,
  }));

async function produce(topic: string, records: readonly Produced[]): Promise<void> {
  await kafka.producer.send({
    topic,
    acks: -1,
    messages: records.map((record) => ({
      partition: record.partition,
      value: JSON.stringify({ user: record.key, at: record.time }),
    })),
  });
}

async function newTopic(): Promise<string> {
  const topic = uniqueName('pg-clicks');
  await kafka.admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
  return topic;
}

const oracleOf = (records: readonly Produced[]): WindowRow[] =>
  windowCounts(
    records.filter((record) => record.key !== CLOSING),
    WINDOW_MS,
    SLIDE_MS,
  );

function runEnv(
  topic: string,
  group: string,
  url: string,
  table: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    SLUICE_BROKERS: testBrokers().join(','),
    SLUICE_TOPICS: topic,
    SLUICE_GROUP_ID: group,
    SLUICE_TRIGGER: 'available-now',
    SLUICE_BATCH_INTERVAL_MS: '50',
    SLUICE_WORKERS: '2',
    SLUICE_KEY_FIELD: 'user',
    SLUICE_AGG: 'count',
    SLUICE_TIME: 'event',
    SLUICE_TIMESTAMP_FIELD: 'at',
    SLUICE_WINDOW_MS: String(WINDOW_MS),
    SLUICE_SLIDE_MS: String(SLIDE_MS),
    SLUICE_ALLOWED_LATENESS_MS: String(JITTER_MS),
    SLUICE_IDLE_TIMEOUT_MS: '600000',
    SLUICE_MAX_RECORDS_PER_BATCH: '20',
    SLUICE_SESSION_TIMEOUT_MS: '6000',
    SLUICE_SINK: sinkUrl(url, table),
    SLUICE_LOG_LEVEL: 'debug',
    ...extra,
  };
}

type DbRow = { key: string; window_start: Date; window_end: Date; value: number };

/** The table as window rows, in oracle order; the closing record's windows left out. */
async function tableRows(url: string, table: string): Promise<WindowRow[]> {
  const rows = await pgQuery<DbRow>(url, `SELECT key, window_start, window_end, value FROM "${table}"`);
  return sortRows(
    rows
      .filter((row) => row.key !== CLOSING)
      .map((row) => ({
        key: row.key,
        windowStart: row.window_start.getTime(),
        windowEnd: row.window_end.getTime(),
        value: row.value,
      })),
  );
}

async function storedOffsets(url: string, group: string, table: string): Promise<string[]> {
  const rows = await pgQuery<{ partition: number; until_offset: string }>(
    url,
    'SELECT "partition", until_offset FROM sluice_offsets WHERE group_id = $1 AND sink = $2 ORDER BY "partition"',
    [group, table],
  );
  return rows.map((row) => `${row.partition}:${row.until_offset}`);
}

describe('PostgreSQL sink on the real broker and a real PostgreSQL', () => {
  it('available-now: the table holds exactly the window counts, upserted by (key, window_start, window_end)', async () => {
    const url = testPostgresUrl();
    const topic = await newTopic();
    const records = [...events(1, 0, 300), ...closing()];
    await produce(topic, records);
    const table = uniqueName('counts').replace('-', '_');
    const result = await runCli(['run'], runEnv(topic, uniqueName('pg'), url, table));
    expect(result.code).toBe(0);
    expect(await tableRows(url, table)).toEqual(oracleOf(records));
    const columns = await pgQuery<{ column_name: string; data_type: string }>(
      url,
      'SELECT column_name, data_type FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position',
      [table],
    );
    expect(columns).toEqual([
      { column_name: 'key', data_type: 'text' },
      { column_name: 'window_start', data_type: 'timestamp with time zone' },
      { column_name: 'window_end', data_type: 'timestamp with time zone' },
      { column_name: 'value', data_type: 'double precision' },
    ]);
  });

  it('exactly-once under kill -9 while records arrive: the table equals the oracle, the offsets end at the end offsets, and replayed batches are skipped', async () => {
    const url = testPostgresUrl();
    const topic = await newTopic();
    const group = uniqueName('pg-eos');
    const table = uniqueName('eos').replace('-', '_');
    const checkpoints = tempDir();
    const env = (extra: Record<string, string> = {}) =>
      runEnv(topic, group, url, table, {
        SLUICE_GUARANTEE: 'exactly-once',
        SLUICE_TRIGGER: 'micro-batch',
        SLUICE_MAX_RECORDS_PER_BATCH: '10',
        SLUICE_CHECKPOINT_DIR: checkpoints,
        SLUICE_CHECKPOINT_INTERVAL_MS: '300',
        ...extra,
      });
    const produced: Produced[] = [];
    const chunk = async (from: number, until: number): Promise<void> => {
      const records = events(2, from, until);
      produced.push(...records);
      await produce(topic, records);
    };
    await chunk(0, 100);
    let skipped = 0;
    // Kill 1 comes after a checkpoint of every partition, which run 2 restores. Run 2 checkpoints
    // only after its replay: the batches it writes next are in the table and in no checkpoint when
    // it is killed, so run 3 replays each of them and must skip it. (At most ten records a
    // partition a batch: the 60 a partition that arrive during run 2 make at least six batches.)
    const unsaved = batchesSinceCheckpoint(4);
    const kills = [3, 8, 5, 11, 7];
    for (const [index, batches] of kills.entries()) {
      const cli = startCli(['run'], env(index === 1 ? { SLUICE_CHECKPOINT_INTERVAL_MS: '600000' } : {}));
      // Records arrive while the engine runs.
      const more = chunk(100 + index * 60, 160 + index * 60);
      if (index === 1) await waitForLog(cli, '4 batches written after its last checkpoint', unsaved.reached);
      else await waitForLines(cli, 'batch done', batches);
      if (index === 0) {
        await waitForLog(
          cli,
          'a checkpoint of every partition',
          (line) => line.msg === 'checkpoint written' && line.partitions === PARTITIONS,
        );
      }
      if (index === 2) await waitForLines(cli, 'logged batches replayed', 1);
      await more;
      cli.child.kill('SIGKILL');
      const result = await cli.done;
      expect(result.code).toBe(null);
      const skips = logged(result.stderr, SKIPPED).map((line) => Number(line.batchId));
      if (index === 2) expect(skips).toEqual(expect.arrayContaining(unsaved.ids));
      skipped += skips.length;
    }
    const end = 100 + kills.length * 60;
    produced.push(...closing());
    await produce(topic, closing());
    const last = await runCli(['run'], env({ SLUICE_TRIGGER: 'available-now' }));
    expect(last.code).toBe(0);
    skipped += logged(last.stderr, SKIPPED).length;
    expect(logged(last.stderr, 'late records: older than the watermark')).toEqual([]);
    expect(await tableRows(url, table)).toEqual(oracleOf(produced));
    expect(await storedOffsets(url, group, table)).toEqual(
      Array.from({ length: PARTITIONS }, (_, partition) => `${partition}:${end + 1}`),
    );
    console.info(
      `exactly-once kill -9: ${kills.length} kills, ${produced.length} records, ${skipped} replayed batches skipped`,
    );
  }, 180_000);

  it('exactly-once without checkpoints: a restart reads on from the offsets the table stored, not the group commit', async () => {
    const url = testPostgresUrl();
    const topic = await newTopic();
    const group = uniqueName('pg-eos-nockpt');
    const table = uniqueName('eos').replace('-', '_');
    await produce(topic, events(3, 0, 50));
    const env = runEnv(topic, group, url, table, {
      SLUICE_GUARANTEE: 'exactly-once',
      SLUICE_WINDOW_MS: '',
      SLUICE_SLIDE_MS: '',
      SLUICE_TIME: '',
      SLUICE_TIMESTAMP_FIELD: '',
      SLUICE_ALLOWED_LATENESS_MS: '',
    });
    const first = await runCli(['run'], env);
    expect(first.code).toBe(0);
    const rowsAfterFirst = await pgQuery<{ n: string }>(url, `SELECT count(*) AS n FROM "${table}"`);
    // The group's commit is deleted: only the table knows how far the first run got.
    await kafka.admin.deleteGroups([group]);
    const second = await runCli(['run'], env);
    expect(second.code).toBe(0);
    expect(logged(second.stderr, 'batch done')).toEqual([]);
    expect(await pgQuery<{ n: string }>(url, `SELECT count(*) AS n FROM "${table}"`)).toEqual(rowsAfterFirst);
    expect(await storedOffsets(url, group, table)).toEqual(['0:50', '1:50', '2:50']);
  });

  it.each(['at-least-once', 'exactly-once'] as const)(
    'PostgreSQL stopped for ~10 s mid-run, then started again (%s): the output is retried on a new connection, nothing lost, nothing committed past it',
    async (guarantee) => {
      const dir = tempDir();
      const cluster = await startPostgres({ dir });
      try {
        const topic = await newTopic();
        const group = uniqueName('pg-down');
        const table = uniqueName('down').replace('-', '_');
        // The records after the first 100 of each partition are produced only once PostgreSQL is
        // down, so the outage falls mid-run however fast the run is; the run then goes on until
        // it has read them all and is stopped.
        const before = events(4, 0, 100);
        const after = [...events(4, 100, 200), ...closing()];
        const records = [...before, ...after];
        await produce(topic, before);
        const cli = startCli(
          ['run'],
          runEnv(topic, group, cluster.url, table, {
            SLUICE_TRIGGER: 'micro-batch',
            SLUICE_MAX_RECORDS_PER_BATCH: '5',
            SLUICE_SINK_RETRY_TIMEOUT_MS: '120000',
            SLUICE_GUARANTEE: guarantee,
          }),
        );
        await waitForLog(cli, 'the first 100 records of each partition', readPast(topic, [99, 99, 99]));
        await stopPostgres(dir);
        await produce(topic, after);
        await waitForLines(cli, 'output failed; retrying', 3);
        await new Promise((resolve) => setTimeout(resolve, 10_000));
        await startPostgres({ dir, port: cluster.port });
        await waitForLog(cli, 'every record', readPast(topic, [200, 200, 200]));
        // The closing records' watermark fires the last windows in the batch after them.
        const oracle = oracleOf(records);
        await poll(
          async () => ((await tableRows(cluster.url, table)).length >= oracle.length ? true : undefined),
          'every window in the table',
          60_000,
        );
        cli.child.kill('SIGTERM');
        const result = await cli.done;
        expect(result.code).toBe(0);
        const retries = logged(result.stderr, 'output failed; retrying');
        expect(String(retries[0]?.error)).toContain(
          `PostgreSQL output to table ${table} on 127.0.0.1:${cluster.port}/postgres`,
        );
        expect(await tableRows(cluster.url, table)).toEqual(oracle);
        expect(await committedOffsets(kafka.admin, group, topic)).toEqual(['201', '201', '201']);
        if (guarantee === 'exactly-once') {
          // Each batch moved the stored ends from where the last one left them, or the run would
          // have stopped with SLUICE_SINK_REJECTED: every record written once.
          expect(await storedOffsets(cluster.url, group, table)).toEqual(['0:201', '1:201', '2:201']);
        }
        const again = logged(result.stderr, AGAIN);
        console.info(
          `PostgreSQL down ~10 s (${guarantee}): ${retries.length} retries, 0 lost, ${logged(result.stderr, SKIPPED).length} batches skipped as already written; ${again.length} transaction requests made again after CONCURRENT_TRANSACTIONS (waited ${again.map((line) => line.waitedMs).join(', ')} ms)`,
        );
      } finally {
        await stopPostgres(dir);
      }
    },
    120_000,
  );

  it('a bad SLUICE_SINK URL stops the start with a message naming the variable', async () => {
    const result = await runCli(['run'], {
      SLUICE_BROKERS: testBrokers().join(','),
      SLUICE_TOPICS: 'any',
      SLUICE_SINK: 'postgres://user@db:notaport/app?table=t',
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(
      'SLUICE_SINK must be a PostgreSQL URL such as postgres://user@host:5432/db?table=results; got "postgres://user@db:notaport/app?table=t"',
    );
    const missing = await runCli(['run'], {
      SLUICE_BROKERS: testBrokers().join(','),
      SLUICE_TOPICS: 'any',
      SLUICE_SINK: 'postgres://user@db:5432/app',
    });
    expect(missing.stderr).toContain(
      'SLUICE_SINK must name the table: postgres://user@host:5432/db?table=results',
    );
  });
});
