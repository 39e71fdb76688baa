import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CliResult, startCli } from '../../support/cli.ts';
import { readJsonLines } from '../../support/files.ts';
import { sharedClients, testBrokers, uniqueName } from '../../support/kafka.ts';
import { tempDirs } from '../../support/temp-dirs.ts';

const kafka = sharedClients('byte-caps-test');
const tempDir = tempDirs('sluice-byte-caps');
const MIB = 1024 * 1024;

/** A record's value: its id, a colon, padding up to `bytes` (what the byte caps count of it). */
function value(id: number, bytes: number): string {
  const head = `${id}:`;
  return head + 'x'.repeat(bytes - head.length);
}

function env(topic: string, output: string, extra: Record<string, string>): Record<string, string> {
  return {
    SLUICE_BROKERS: testBrokers().join(','),
    SLUICE_TOPICS: topic,
    SLUICE_GROUP_ID: uniqueName('byte-caps-group'),
    SLUICE_STARTING_OFFSETS: 'earliest',
    SLUICE_VALUE_FORMAT: 'string',
    SLUICE_TRIGGER: 'available-now',
    SLUICE_WORKERS: '1',
    SLUICE_LOG_LEVEL: 'warn',
    OUTPUT_DIR: output,
    ...extra,
  };
}

/** The peak resident memory of a run (Linux's VmHWM) and how it ended. */
async function peakResident(
  args: readonly string[],
  vars: Record<string, string>,
): Promise<{ peak: number; result: CliResult }> {
  const cli = startCli(args, vars);
  let peak = 0;
  // VmHWM only grows: its last reading before the exit is the run's peak.
  const sampler = setInterval(() => {
    try {
      const status = readFileSync(`/proc/${cli.child.pid}/status`, 'utf8');
      peak = Math.max(peak, Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) * 1024);
    } catch {
      // Exited between two readings.
    }
  }, 50);
  const result = await cli.done.finally(() => clearInterval(sampler));
  return { peak, result };
}

describe('the direct source bounds batches and fetch buffers by bytes', () => {
  it('cuts batches of at most SLUICE_MAX_BYTES_PER_BATCH, a larger record alone, and never stalls on one', async () => {
    const topic = uniqueName('byte-caps');
    await kafka.admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    // Partition 0: ids 0-29 of 30 KB, but 10 and 20 of 250 KB, larger than both caps; partition 1: ids 100-129.
    const sizes = new Map<number, number>();
    for (let index = 0; index < 30; index++) {
      sizes.set(index, index === 10 || index === 20 ? 250_000 : 30_000);
      sizes.set(100 + index, 30_000);
    }
    for (const [id, bytes] of sizes) {
      await kafka.producer.send({
        topic,
        messages: [{ partition: id < 100 ? 0 : 1, value: value(id, bytes) }],
      });
    }
    const output = tempDir();
    const maxBatch = 100_000;
    const cli = startCli(
      ['run', 'test/fixtures/jobs/slow-while-flagged.ts'],
      env(topic, output, {
        SLUICE_MAX_BYTES_PER_BATCH: String(maxBatch),
        SLUICE_MAX_BUFFERED_BYTES_PER_PARTITION: '60000',
      }),
    );
    const result = await cli.done;
    expect(result.code, result.stderr).toBe(0);

    const ids = readJsonLines<number>(output);
    expect(ids.toSorted((a, b) => a - b)).toEqual([...sizes.keys()].toSorted((a, b) => a - b));
    const batches = readdirSync(output).filter((name) => name.endsWith('.jsonl'));
    for (const name of batches) {
      const batch = readFileSync(join(output, name), 'utf8').split('\n').filter(Boolean).map(Number);
      const byPartition = Map.groupBy(batch, (id) => (id < 100 ? 0 : 1));
      let several = 0;
      for (const records of byPartition.values()) {
        const bytes = records.reduce((sum, id) => sum + (sizes.get(id) ?? 0), 0);
        // A partition's share of the batch fits the cap, or is one record (the larger ones).
        if (records.length > 1) several += bytes;
      }
      expect(several, `batch ${name}: ${batch.join(' ')}`).toBeLessThanOrEqual(maxBatch);
    }
  }, 120_000);

  it('keeps resident memory under the documented bound with 10 KB records and a slow sink', async () => {
    const partitions = 4;
    const total = 40_000;
    const recordBytes = 10 * 1024;
    const topic = uniqueName('byte-caps-memory');
    const empty = uniqueName('byte-caps-empty');
    await kafka.admin.createTopics({
      topics: [topic, empty].map((name) => ({ topic: name, numPartitions: partitions })),
      waitForLeaders: true,
    });
    // About 400 MB in the topic: far more than the bound, which old record-count limits let in.
    const chunk = 80;
    const sends: Promise<unknown>[] = [];
    for (let from = 0; from < total; from += chunk) {
      const messages = Array.from({ length: chunk }, (_, i) => ({
        partition: (from + i) % partitions,
        value: value(from + i, recordBytes),
      }));
      sends.push(kafka.producer.send({ topic, messages }));
      if (sends.length >= 8) await sends.shift();
    }
    await Promise.all(sends);

    const dir = tempDir();
    const flag = join(dir, 'slow');
    writeFileSync(flag, '');
    const output = join(dir, 'out');
    const maxBatch = 16 * MIB;
    const maxBuffered = 4 * MIB;
    const job = ['run', 'test/fixtures/jobs/slow-while-flagged.ts'];
    const caps = {
      SLUICE_MAX_BYTES_PER_BATCH: String(maxBatch),
      SLUICE_MAX_BUFFERED_BYTES_PER_PARTITION: String(maxBuffered),
      SLOW_FLAG: flag,
      SLOW_MS_PER_RECORD: '0.2',
    };
    // The same process over an empty topic: what it takes before any record.
    const idle = await peakResident(job, env(empty, join(dir, 'none'), caps));
    expect(idle.result.code, idle.result.stderr).toBe(0);
    const { peak, result } = await peakResident(job, env(topic, output, caps));
    expect(result.code, result.stderr).toBe(0);
    const ids = readJsonLines<number>(output);
    expect(ids.length).toBe(total);
    expect(new Set(ids).size).toBe(total);

    // docs/backpressure.md: an idle run's peak + 128 MiB + 2 × partitions ×
    // SLUICE_MAX_BUFFERED_BYTES_PER_PARTITION + 4 × SLUICE_MAX_BYTES_PER_BATCH.
    const bound = idle.peak + 128 * MIB + 2 * partitions * maxBuffered + 4 * maxBatch;
    const figures = `idle ${(idle.peak / MIB).toFixed(0)} MiB, peak ${(peak / MIB).toFixed(0)} MiB, bound ${(bound / MIB).toFixed(0)} MiB`;
    expect(idle.peak, figures).not.toBe(0);
    expect(peak, figures).toBeLessThanOrEqual(bound);
  }, 240_000);
});
