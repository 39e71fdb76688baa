import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { BatchRecord } from '../../src/admin/index.ts';
import { freePort, startCli } from '../support/cli.ts';
import { httpGet, poll } from '../support/http.ts';
import { sharedClients, testBrokers, uniqueName } from '../support/kafka.ts';
import { logged } from '../support/logs.ts';
import { tempDirs } from '../support/temp-dirs.ts';

const kafka = sharedClients('latency-target-test');
const tempDir = tempDirs('sluice-latency-target');

const TARGET_MS = 150;
const SENDS = 40;
const PER_SEND = 25;

describe('SLUICE_TARGET_LATENCY_MS', () => {
  // The figures depend on the machine; what is checked is that every decision follows the rule
  // from the batch's own p99, and that the schedule follows the decisions.
  it("moves the micro-batch interval by each batch's p99, as /api/batches and the debug log say", async () => {
    const topic = uniqueName('latency-target');
    await kafka.admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const cli = startCli(['run'], {
      SLUICE_BROKERS: testBrokers().join(','),
      SLUICE_TOPICS: topic,
      SLUICE_GROUP_ID: uniqueName('latency-target-group'),
      SLUICE_SINK: `file:${tempDir()}`,
      SLUICE_BATCH_INTERVAL_MS: '1000',
      SLUICE_TARGET_LATENCY_MS: String(TARGET_MS),
      SLUICE_HTTP_PORT: String(port),
      SLUICE_LOG_LEVEL: 'debug',
    });
    try {
      await poll(async () => ((await httpGet(`${url}/readyz`))?.status === 200 ? true : undefined), 'ready');
      for (let send = 0; send < SENDS; send++) {
        const messages = Array.from({ length: PER_SEND }, (_, i) => ({ value: `{"url":"/p/${i % 5}"}` }));
        await kafka.producer.send({ topic, messages });
        await sleep(50);
      }
      const batches = await poll(async () => {
        const body = (await httpGet(`${url}/api/batches`))?.body;
        const list = body ? (JSON.parse(body) as { batches: BatchRecord[] }).batches : [];
        const records = list.reduce((sum, batch) => sum + batch.records.consumed, 0);
        return records === SENDS * PER_SEND ? list.toReversed() : undefined;
      }, 'every record in a batch');
      cli.child.kill('SIGTERM');
      const { stderr } = await cli.done;

      // The interval starts at the target (the configured 1 s is longer) and moves by the rule.
      let interval = TARGET_MS;
      let shortened = 0;
      for (const batch of batches) {
        const tuning = batch.tuning;
        expect(tuning).not.toBeNull();
        const p99 = batch.latency?.p99Ms;
        let expected = interval;
        if (p99 !== undefined && p99 > TARGET_MS && batch.processingMs >= interval && interval < TARGET_MS) {
          // Records queue behind batches: the interval grows.
          expected = Math.min(
            TARGET_MS,
            Math.max(Math.ceil(interval / 0.75), Math.ceil(batch.processingMs / 0.75)),
          );
        } else if (p99 !== undefined && p99 > TARGET_MS) expected = Math.max(10, Math.floor(interval * 0.75));
        else if (p99 !== undefined && p99 < TARGET_MS * 0.7) {
          expected = Math.min(TARGET_MS, interval + Math.max(1, Math.round(TARGET_MS * 0.05)));
        }
        expect(tuning?.intervalMs, `batch ${batch.batchId} (p99 ${p99} ms)`).toBe(expected);
        if (tuning?.action === 'shorten') shortened++;
        interval = expected;
      }
      // Records that wait up to a whole 150 ms interval and then for their batch miss a 150 ms p99.
      expect(shortened).toBeGreaterThan(0);
      // Every decision was logged at debug with its batch.
      const last = batches.at(-1)?.batchId ?? -1;
      const lines = logged(stderr, 'latency tuning').filter((line) => Number(line.batchId) <= last);
      expect(lines.map((line) => [line.batchId, line.intervalMs, line.action])).toEqual(
        batches.map((batch) => [batch.batchId, batch.tuning?.intervalMs, batch.tuning?.action]),
      );
    } finally {
      cli.child.kill('SIGKILL');
    }
  });
});
