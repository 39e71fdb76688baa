// Issue 7, item 6: a full disk under SLUICE_CHECKPOINT_DIR makes the process unready, naming the
// path and the error, then exit 1, without committing past the last durable checkpoint.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CheckpointStore } from '../../src/checkpoint/index.ts';
import { lz4 } from '../../src/codecs/index.ts';
import { freePort, startCli } from '../support/cli.ts';
import { httpGet, poll } from '../support/http.ts';
import { committedOffsets, sharedClients, testBrokers, uniqueName } from '../support/kafka.ts';
import { tempDirs } from '../support/temp-dirs.ts';

const kafka = sharedClients('checkpoint-disk-full-test');
const tempDir = tempDirs('sluice-disk-full');
const mounts: string[] = [];
afterAll(() => {
  for (const mount of mounts) execFileSync('umount', [mount]);
});

const PARTITIONS = 2;
const PER_PARTITION = 100;

/** A 1 MiB tmpfs: filling it gives the checkpoint writes a real ENOSPC. Needs root. */
function smallDisk(): string {
  const mount = join(tempDir(), 'ckpt');
  mkdirSync(mount);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mount]);
  mounts.push(mount);
  return mount;
}

function fill(mount: string): void {
  try {
    writeFileSync(join(mount, 'filler'), Buffer.alloc(2 * 1024 * 1024, 1));
  } catch (error) {
    // What fitted stays written: the disk is full.
    if ((error as { code?: unknown }).code !== 'ENOSPC') throw error;
    return;
  }
  throw new Error(`${mount} took 2 MiB: not a 1 MiB tmpfs`);
}

async function produce(topic: string, from: number): Promise<void> {
  const messages = Array.from({ length: PER_PARTITION * PARTITIONS }, (_, i) => ({
    partition: i % PARTITIONS,
    value: `w${(from + i) % 5}`,
  }));
  await kafka.producer.send({ topic, messages });
}

describe('a full disk under SLUICE_CHECKPOINT_DIR', () => {
  it.skipIf(process.getuid?.() !== 0)(
    'makes /readyz 503 with the path and ENOSPC, then exits 1 without committing past the last durable checkpoint',
    async () => {
      const mount = smallDisk();
      const topic = uniqueName('disk-full');
      const group = uniqueName('disk-full-group');
      await kafka.admin.createTopics({
        topics: [{ topic, numPartitions: PARTITIONS }],
        waitForLeaders: true,
      });
      await produce(topic, 0);
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      const cli = startCli(['run', 'test/fixtures/jobs/gated.ts'], {
        SLUICE_BROKERS: testBrokers().join(','),
        SLUICE_TOPICS: topic,
        SLUICE_GROUP_ID: group,
        SLUICE_VALUE_FORMAT: 'string',
        SLUICE_BATCH_INTERVAL_MS: '200',
        SLUICE_CHECKPOINT_DIR: mount,
        SLUICE_CHECKPOINT_INTERVAL_MS: '200',
        SLUICE_HTTP_PORT: String(port),
        // Long enough for the polls below to see the failure, which they do well before it ends.
        SLUICE_FAILURE_EXIT_DELAY_MS: '8000',
      });
      try {
        const durable = String(PER_PARTITION);
        await poll(async () => {
          const offsets = await committedOffsets(kafka.admin, group, topic);
          return offsets.every((offset) => offset === durable) && offsets.length === PARTITIONS
            ? true
            : undefined;
        }, 'the first records committed with their checkpoint');
        expect((await httpGet(`${url}/readyz`))?.status).toBe(200);

        fill(mount);
        await produce(topic, PER_PARTITION * PARTITIONS);
        const unready = await poll(async () => {
          const answer = await httpGet(`${url}/readyz`);
          return answer?.status === 503 ? answer : undefined;
        }, '/readyz 503 once the checkpoint dir is full');
        const body = JSON.parse(unready.body) as { status: string; reason: string };
        expect(body.status).toBe('failed');
        expect(body.reason).toMatch(
          /^SLUICE_CHECKPOINT: cannot (write|append to) (checkpoint|the batch log) /,
        );
        expect(body.reason).toContain(join(mount, group));
        expect(body.reason).toContain('ENOSPC');
        expect((await httpGet(`${url}/livez`))?.status).toBe(200);

        const result = await cli.done;
        expect(result.code).toBe(1);
        expect(result.stderr).toMatch(/SLUICE_CHECKPOINT: cannot .*ENOSPC/);
        // Nothing past the checkpoint that was durable before the disk filled was committed.
        expect(await committedOffsets(kafka.admin, group, topic)).toEqual([durable, durable]);
        const store = new CheckpointStore(join(mount, group), lz4());
        for (let partition = 0; partition < PARTITIONS; partition++) {
          const read = await store.read(topic, partition);
          expect(read.kind === 'found' ? read.checkpoint.offset : undefined).toBe(BigInt(PER_PARTITION));
        }
      } finally {
        cli.child.kill('SIGKILL');
        await cli.done;
      }
    },
  );
});
