// Issue 21, part 2: every panel of the dashboard, from a running engine on a job with an
// event-time window and keyed state, checked in headless Chromium against what the test produced;
// then a poison record fails the run, and the page shows the reason and the failed batch.
import { describe, expect, inject, it } from 'vitest';
import { LATENESS_MS } from '../fixtures/jobs/dashboard.ts';
import { freePort, startCli } from '../support/cli.ts';
import { sharedClients, testBrokers, uniqueName } from '../support/kafka.ts';
import { tempDirs } from '../support/temp-dirs.ts';
import { openDashboard } from './dashboard-page.ts';

const kafka = sharedClients('dashboard-panels-test');
const tempDir = tempDirs('sluice-dashboard-panels');

const PARTITIONS = 2;
const WORDS = 5;
/** Records per partition in the first round, 100 ms of event time apart. */
const ROUND = 30;
/** Records per partition in the second round, far behind the watermark: every one is late. */
const LATE = 10;
const PASSWORD = 'Hunter2-dashboard-secret';

async function produce(
  topic: string,
  values: (partition: number, i: number) => [string, number],
  count: number,
) {
  const messages = [];
  for (let partition = 0; partition < PARTITIONS; partition++) {
    for (let i = 0; i < count; i++) {
      const [value, timestamp] = values(partition, i);
      messages.push({ partition, value, timestamp: String(timestamp) });
    }
  }
  await kafka.producer.send({ topic, messages });
}

const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);

describe('the dashboard panels in headless Chromium', () => {
  it('shows a run of a window and keyed state with exact figures, a batch drill-down, and a failed run with its reason and batch', async () => {
    const topic = uniqueName('dashboard-panels');
    const group = uniqueName('dashboard-panels-group');
    await kafka.admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
    const port = await freePort();
    const cli = startCli(['run', 'test/fixtures/jobs/dashboard.ts'], {
      SLUICE_BROKERS: testBrokers().join(','),
      SLUICE_TOPICS: topic,
      SLUICE_GROUP_ID: group,
      SLUICE_VALUE_FORMAT: 'string',
      SLUICE_BATCH_INTERVAL_MS: '1000',
      SLUICE_WORKERS: '2',
      SLUICE_HTTP_PORT: String(port),
      SLUICE_CHECKPOINT_DIR: tempDir(),
      SLUICE_CHECKPOINT_INTERVAL_MS: '1000',
      // Never read by this job: its password must not reach the page.
      SLUICE_SINK: `postgres://app:${PASSWORD}@127.0.0.1:1/results?table=counts`,
      // The failed run stays up (unready) long enough for the page to show it.
      SLUICE_FAILURE_EXIT_DELAY_MS: '120000',
    });
    const page = await openDashboard(`http://127.0.0.1:${port}`);
    try {
      // Event times a minute back, on a whole second: windows and watermark are exact.
      const t0 = Math.floor(Date.now() / 1000) * 1000 - 60_000;
      await produce(topic, (_, i) => [`w${i % WORDS}`, t0 + i * 100], ROUND);
      const watermark = t0 + (ROUND - 1) * 100 - LATENESS_MS;
      const first = await page.until(
        (s) =>
          s.records === ROUND * PARTITIONS &&
          s.partitions.every((p) => p.watermark === String(watermark)) &&
          s.keyed.length > 0,
        'the first round, its watermark and keyed state',
      );

      // Header: the job, trigger, guarantee, group, versions.
      expect(first.header).toMatchObject({
        job: 'dashboard.ts',
        trigger: 'micro-batch, every 1000 ms',
        guarantee: 'at-least-once',
        group,
        topics: `${topic}, 2 slots`,
      });
      // The broker's release line (its version's first two numbers), and the cluster's metadata.version.
      const line = inject('kafkaVersion').split('.').slice(0, 2).join('\\.') || '\\d+\\.\\d+';
      expect(first.header.versions).toMatch(
        new RegExp(
          `^Sluice \\d+\\.\\d+\\.\\d+, Node v24\\.[\\d.]+, kafkajs 2\\.2\\.4; Kafka ${line} \\(metadata\\.version ${line}-IV\\d+\\), cluster \\S+, 1 broker$`,
        ),
      );
      expect(first.header.started).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ, up (\d\d:\d\d:\d\d|\d+ ms)$/);

      // Keyed state: one key per word over the state partitions.
      expect(sum(first.keyed.map((k) => k.keys))).toBe(WORDS);
      // Window state: each partition holds keys of the window operation (node 3).
      expect(first.windowState.map((w) => [w.partition, w.node])).toEqual([
        [`${topic}-0`, '3'],
        [`${topic}-1`, '3'],
      ]);
      for (const w of first.windowState) expect(w.entries).toBeGreaterThan(0);

      // The second round, far behind the watermark: all late, counted in the batches and the chart.
      await produce(topic, (_, i) => [`w${i % WORDS}`, t0 - 10_000 + i], LATE);
      const produced = (ROUND + LATE) * PARTITIONS;
      // A save's checkpoints cover the end offsets of both partitions, in whichever order it lists them.
      const covered = `${topic}-0@${ROUND + LATE} ${topic}-1@${ROUND + LATE}`;
      const second = await page.until(
        (s) =>
          s.records === produced &&
          s.partitions.every((p) => p.lag === '0') &&
          s.checkpoints.some((c) => c.offsets.split(' ').toSorted().join(' ') === covered),
        'every record committed and checkpointed',
      );
      expect(sum(second.rows.map((row) => row.late))).toBe(LATE * PARTITIONS);
      expect(second.charts.lateDeadLettered?.data[1]).toEqual(
        second.rows.toReversed().map((row) => row.late),
      );
      expect(second.charts.watermark?.data[1]).toEqual(second.rows.toReversed().map((row) => row.watermark));
      expect(second.charts.watermark?.data[1]?.at(-1)).toBe(watermark);
      // State bytes: the newest save's size is its partitions' checkpoints', each holding window state.
      expect(sum(second.windowState.map((w) => w.checkpointBytes))).toBe(
        Number(second.checkpoints[0]?.bytes),
      );
      // Per window operation: the partition's one window operation is all of its window state but
      // the list's one header byte.
      for (const w of second.windowState) {
        expect(w.bytes).toBeGreaterThan(0);
        expect(w.windowBytes).toBe(w.bytes + 1);
      }
      // Per state partition: each holding keys has bytes in the save.
      expect(second.keyed.map((k) => k.keys > 0)).toEqual(second.keyed.map((k) => k.bytes > 0));
      expect(second.keyed.filter((k) => k.keys > 0).length).toBeGreaterThan(0);
      // Lag in records and time: all read.
      expect(second.partitions).toEqual([
        { partition: `${topic}-0`, lag: '0', lagMs: '0', watermark: String(watermark) },
        { partition: `${topic}-1`, lag: '0', lagMs: '0', watermark: String(watermark) },
      ]);
      // Offset ranges: contiguous from 0 to what was produced, per partition.
      for (let partition = 0; partition < PARTITIONS; partition++) {
        const ranges = second.rows
          .toReversed()
          .flatMap((row) => row.ranges)
          .filter((r) => r.partition === String(partition));
        expect(ranges.map((r) => r.fromOffset)).toEqual([
          '0',
          ...ranges.slice(0, -1).map((r) => r.untilOffset),
        ]);
        expect(ranges.at(-1)?.untilOffset).toBe(String(ROUND + LATE));
      }
      // Operators: the slot chain saw every record; the state and window operations take all of them.
      const operators = second.operators.map((op) => [op.node, op.thread, op.in, op.out]);
      expect(operators.slice(0, 3)).toEqual([
        ['0', 'slot', String(produced), String(produced)],
        ['1', 'slot', String(produced), String(produced)],
        ['2', 'slot', String(produced), String(produced)],
      ]);
      expect(operators.slice(3).map(([node, thread, into]) => [node, thread, into])).toEqual([
        ['3', 'main', String(produced)],
        ['4', 'main', second.operators[3]?.out],
        ['5', 'main', String(produced)],
        ['6', 'main', second.operators[5]?.out],
      ]);
      // Time: the slot operators' own, estimated from sampled values; the main thread's, measured;
      // the window and state operations both (their partials run in the slots).
      expect(
        second.operators.map((op) => [op.node, op.ms !== undefined, op.sampledMs !== undefined]),
      ).toEqual([
        ['0', false, true],
        ['1', false, true],
        ['2', false, true],
        ['3', true, true],
        ['4', true, false],
        ['5', true, true],
        ['6', true, false],
      ]);
      for (const op of second.operators) expect(Number(op.sampledMs ?? 0)).toBeGreaterThanOrEqual(0);
      // The last restore: a first run, nothing to restore, for the input and the repartition topics.
      const restored = [
        `${topic}-0`,
        `${topic}-1`,
        `${group}-updateStateByKey-5-repartition-0`,
        `${group}-updateStateByKey-5-repartition-1`,
        `${group}-windowAggregate-3-repartition-0`,
        `${group}-windowAggregate-3-repartition-1`,
      ];
      expect(second.restore).toMatch(
        new RegExp(
          `^last restore \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ in \\d+ ms: ${restored.map((name) => `${name} from none`).join(', ')}$`,
        ),
      );
      // Slots: busy share of the last interval, within [0, 1], per slot.
      expect(second.charts.slots?.labels).toEqual(['slot 0', 'slot 1']);
      for (const values of second.charts.slots?.data.slice(1) ?? [])
        for (const value of values) if (value !== null) expect(value >= 0 && value <= 1).toBe(true);
      // Times in ISO-8601 UTC.
      for (const row of second.rows)
        expect(row.timeText).toBe(`${new Date(row.time).toISOString().slice(0, 19).replace('T', ' ')}Z`);

      // Environment: set variables as set, the URL's password redacted, never shown.
      expect(second.environment.SLUICE_GROUP_ID).toEqual({ value: group, source: 'env' });
      expect(second.environment.SLUICE_SINK).toEqual({
        value: 'postgres://app:[redacted]@127.0.0.1:1/results?table=counts',
        source: 'env',
      });
      expect(second.environment.SLUICE_LOG_LEVEL?.source).toBe('default');
      expect(await page.html()).not.toContain(PASSWORD);

      // Drill-down of the batch that took the late records.
      const lateRow = second.rows.find((row) => row.late > 0);
      if (!lateRow) throw new Error('no batch with late records');
      const drill = await page.drill(lateRow.batchId);
      expect(drill.title).toBe(`Batch ${lateRow.batchId} at ${lateRow.timeText}`);
      expect(drill.partitions.map((p) => [p.partition, p.fromOffset, p.untilOffset, p.records])).toEqual(
        lateRow.ranges.map((r) => [
          `${topic}-${r.partition}`,
          r.fromOffset,
          r.untilOffset,
          String(Number(r.untilOffset) - Number(r.fromOffset)),
        ]),
      );
      expect(drill.operators.slice(0, 3).map((op) => op.out)).toEqual([
        String(lateRow.records),
        String(lateRow.records),
        String(lateRow.records),
      ]);
      expect(drill.outputs.map((o) => [o.node, o.attempts])).toEqual(drill.outputs.map((o) => [o.node, '1']));

      // A poison record fails the run: the page shows the reason and the failed batch.
      await produce(topic, (partition) => [partition === 0 ? 'poison' : 'w0', t0 + 5000], 1);
      const failed = await page.until((s) => s.failure !== undefined, 'the failure on the page');
      expect(failed.status).toBe('failed');
      expect(failed.failure?.reason).toMatch(
        new RegExp(`^SLUICE_USER_FUNCTION: poison record at offset ${ROUND + LATE}\\b`),
      );
      expect(failed.failure?.where).toContain(`${topic}-0: [${ROUND + LATE}, ${ROUND + LATE + 1}) 1`);
      const failedDrill = await page.drill(Number(failed.failure?.batchId));
      expect(failedDrill.title).toBe(`Batch ${failed.failure?.batchId} (failed) at ${failed.failure?.time}`);
      expect(failedDrill.summary).toContain(`poison record at offset ${ROUND + LATE}`);
      await page.shoot(process.env.DASHBOARD_PANELS_SCREENSHOT);
      expect(page.problems()).toEqual([]);
    } finally {
      await page.close();
      cli.child.kill('SIGKILL');
    }
  });
});
