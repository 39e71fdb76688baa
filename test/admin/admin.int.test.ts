import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BatchRecord } from '../../src/admin/index.ts';
import { freePort, startCli } from '../support/cli.ts';
import { httpGet, poll, sample } from '../support/http.ts';
import { committedOffsets, sharedClients, testBrokers, uniqueName } from '../support/kafka.ts';
import { tempDirs } from '../support/temp-dirs.ts';

const kafka = sharedClients('admin-test');
const tempDir = tempDirs('sluice-admin');

const PARTITIONS = 2;
const PER_PARTITION = 150;
const TOTAL = PARTITIONS * PER_PARTITION;
const MORE_PER_PARTITION = 5;

/** How old the first records' CreateTime says they are: what their end-to-end latency starts from. */
const AGE_MS = 60_000;

async function produce(topic: string, perPartition: number, from: number, timestamp?: number): Promise<void> {
  const messages = Array.from({ length: perPartition * PARTITIONS }, (_, i) => ({
    partition: i % PARTITIONS,
    value: `w${(from + i) % 7}`,
    ...(timestamp === undefined ? {} : { timestamp: String(timestamp) }),
  }));
  await kafka.producer.send({ topic, messages });
}

describe('sluice run: the admin HTTP server', () => {
  it('is unready until the first assignment, counts every record, lists batches that add up to the end offsets, and is unready during the drain', async () => {
    const topic = uniqueName('admin');
    const group = uniqueName('admin-group');
    await kafka.admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
    const producedAt = Date.now();
    await produce(topic, PER_PARTITION, 0, producedAt - AGE_MS);
    const dir = tempDir();
    const gates = { start: join(dir, 'start'), output: join(dir, 'output'), waiting: join(dir, 'waiting') };
    writeFileSync(gates.output, '');
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const cli = startCli(['run', 'test/fixtures/jobs/gated.ts'], {
      SLUICE_BROKERS: testBrokers().join(','),
      SLUICE_TOPICS: topic,
      SLUICE_GROUP_ID: group,
      SLUICE_VALUE_FORMAT: 'string',
      SLUICE_BATCH_INTERVAL_MS: '500',
      SLUICE_WORKERS: '2',
      SLUICE_HTTP_PORT: String(port),
      START_GATE: gates.start,
      OUTPUT_GATE: gates.output,
      OUTPUT_WAITING: gates.waiting,
    });
    try {
      // The job module's import waits for the start gate: the server is up, the group not joined.
      const starting = await poll(() => httpGet(`${url}/readyz`), '/readyz to answer');
      expect(starting).toEqual({
        status: 503,
        body: '{"status":"starting","reason":"waiting for the first partition assignment"}\n',
      });
      expect((await httpGet(`${url}/livez`))?.status).toBe(200);
      writeFileSync(gates.start, '');
      await poll(async () => ((await httpGet(`${url}/readyz`))?.status === 200 ? true : undefined), 'ready');
      expect(cli.output()).toContain('"msg":"partitions assigned"');

      const metrics = await poll(async () => {
        const text = (await httpGet(`${url}/metrics`))?.body ?? '';
        return sample(text, 'sluice_records_processed_total') === TOTAL ? text : undefined;
      }, `${TOTAL} records processed`);
      expect(sample(metrics, 'sluice_records_consumed_total')).toBe(TOTAL);
      expect(sample(metrics, 'sluice_decode_errors_total')).toBe(0);
      expect(sample(metrics, 'sluice_records_late_total')).toBe(0);
      expect(sample(metrics, 'sluice_slot_busy_seconds_total{slot="1"}')).toBeGreaterThanOrEqual(0);
      const lags = await poll(async () => {
        const text = (await httpGet(`${url}/metrics`))?.body ?? '';
        const values = [0, 1].map((p) =>
          sample(text, `sluice_consumer_lag{topic="${topic}",partition="${p}"}`),
        );
        return values.every((value) => value === 0) ? values : undefined;
      }, 'lag 0 on both partitions once committed');
      expect(lags).toEqual([0, 0]);

      const { batches } = JSON.parse((await httpGet(`${url}/api/batches`))?.body ?? '{}') as {
        batches: BatchRecord[];
      };
      const ends = await kafka.admin.fetchTopicOffsets(topic);
      const oldestFirst = batches.toReversed();
      for (let partition = 0; partition < PARTITIONS; partition++) {
        const ranges = oldestFirst
          .flatMap((batch) => batch.offsetRanges)
          .filter((range) => range.topic === topic && range.partition === partition);
        // Contiguous from offset 0 to the end: each range starts where the one before ended.
        expect(ranges.map((range) => range.fromOffset)).toEqual([
          '0',
          ...ranges.slice(0, -1).map((r) => r.untilOffset),
        ]);
        expect(ranges.at(-1)?.untilOffset).toBe(ends.find((end) => end.partition === partition)?.high);
      }
      expect(batches.reduce((sum, batch) => sum + batch.records.consumed, 0)).toBe(TOTAL);
      expect(batches.reduce((sum, batch) => sum + batch.records.processed, 0)).toBe(TOTAL);
      for (const batch of batches) {
        expect(batch.totalDelayMs).toBe(batch.schedulingDelayMs + batch.processingMs);
        expect(batch.slotsMs + batch.outputMs).toBeLessThanOrEqual(batch.processingMs);
        expect(batch.watermark).toBeNull();
        if (batch.records.consumed === 0) expect([batch.latency, batch.fetchWaitMs]).toEqual([null, null]);
        else expect(batch.fetchWaitMs).toBeGreaterThanOrEqual(0);
      }

      // Every record's latency counts from its CreateTime, a minute before it was sent.
      expect(batches.reduce((sum, batch) => sum + (batch.latency?.count ?? 0), 0)).toBe(TOTAL);
      const elapsed = Date.now() - producedAt;
      const latency = JSON.parse((await httpGet(`${url}/api/latency`))?.body ?? '{}') as {
        count: number;
        p50Ms: number;
        maxMs: number;
      };
      expect(latency.count).toBe(TOTAL);
      expect(latency.p50Ms).toBeGreaterThanOrEqual(AGE_MS);
      expect(latency.maxMs).toBeLessThanOrEqual(AGE_MS + elapsed);
      expect(sample(metrics, 'sluice_end_to_end_latency_seconds_count')).toBe(TOTAL);
      expect(sample(metrics, 'sluice_end_to_end_latency_seconds_bucket{le="30"}')).toBe(0);

      // A batch whose output waits on the gate is in flight when SIGTERM arrives.
      rmSync(gates.output);
      await produce(topic, MORE_PER_PARTITION, TOTAL);
      await poll(async () => (existsSync(gates.waiting) ? true : undefined), 'the output to wait');
      cli.child.kill('SIGTERM');
      const draining = await poll(async () => {
        const answer = await httpGet(`${url}/readyz`);
        return answer?.status === 503 ? answer : undefined;
      }, '/readyz 503 after SIGTERM');
      expect(JSON.parse(draining.body)).toEqual({
        status: 'stopping',
        reason: 'shutting down on SIGTERM: draining the batch in flight',
      });
      expect((await httpGet(`${url}/livez`))?.status).toBe(200);
      writeFileSync(gates.output, '');
      const result = await cli.done;
      expect(result.code).toBe(0);
      expect(await httpGet(`${url}/livez`)).toBeUndefined();
      const end = String(PER_PARTITION + MORE_PER_PARTITION);
      expect(await committedOffsets(kafka.admin, group, topic)).toEqual([end, end]);
    } finally {
      cli.child.kill('SIGKILL');
    }
  });
});
