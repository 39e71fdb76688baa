import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { brokerStatus, startBroker, stopBroker } from '../../scripts/local-kafka/index.ts';
import { isSluiceError } from '../../src/errors/index.ts';

const run = promisify(execFile);
const dirs: string[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-kafka-cli-'));
  dirs.push(dir);
  return dir;
}

async function kafkaCli(
  dir: string,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, SLUICE_KAFKA_DIR: dir };
  try {
    const { stdout, stderr } = await run(process.execPath, ['scripts/kafka.ts', ...args], { env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

afterAll(async () => {
  for (const dir of dirs) {
    await stopBroker(dir);
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('npm run kafka', () => {
  it('starts a broker, prints its address last, reports status, and stops it', async () => {
    const dir = tempDir();
    const started = await kafkaCli(dir, 'start');
    expect(started.code).toBe(0);
    const bootstrap = started.stdout.trim().split('\n').at(-1) ?? '';
    expect(bootstrap).toMatch(/^127\.0\.0\.1:\d+$/);

    const admin = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const cluster = await admin.describeCluster();
    await admin.disconnect();
    expect(cluster.brokers).toEqual([
      { nodeId: 1, host: '127.0.0.1', port: Number(bootstrap.split(':')[1]) },
    ]);

    const status = await kafkaCli(dir, 'status');
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(
      new RegExp(`^running: Kafka 4\\.\\d+\\.\\d+ on ${bootstrap} \\(pid \\d+\\)\\n$`),
    );

    const again = await kafkaCli(dir, 'start');
    expect(again.code).toBe(0);
    expect(again.stdout.trim()).toBe(bootstrap);
    expect(again.stderr).toContain('already running');

    const stopped = await kafkaCli(dir, 'stop');
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toContain(`stopped Kafka on ${bootstrap}`);

    const after = await kafkaCli(dir, 'status');
    expect(after).toMatchObject({ code: 3, stdout: 'not running\n' });
  });

  it('answers an unknown command with usage and exit code 2', async () => {
    const result = await kafkaCli(tempDir(), 'restart');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('usage: npm run kafka -- <start|stop|status>');
  });

  it('fails a start whose broker dies, with the last lines of the broker log', async () => {
    const dir = tempDir();
    await startBroker({ dir });
    await stopBroker(dir);
    // A log dir that claims another node id is refused by Kafka at start-up.
    const meta = join(dir, 'data', 'meta.properties');
    writeFileSync(meta, readFileSync(meta, 'utf8').replace(/^node\.id=1$/m, 'node.id=7'));

    const failure = await startBroker({ dir }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isSluiceError(failure, 'SLUICE_LOCAL_KAFKA')).toBe(true);
    const message = (failure as Error).message;
    expect(message).toMatch(
      /broker on 127\.0\.0\.1:\d+ exited during start-up; last lines of .*broker\.log:\n/,
    );
    expect(message).toContain("Stored node id 7 doesn't match previous node id 1");
    expect(brokerStatus(dir)).toBeUndefined();
  });
});
