import { describe, expect, it } from 'vitest';
import type { Anomaly } from '../../examples/metrics/anomaly-detection.ts';
import { freePort, runCli, startCli, waitForLines } from '../support/cli.ts';
import { runShellBlock } from '../support/doc-blocks.ts';
import { readTopicToEnd } from '../support/eos-oracle.ts';
import { readmeCommands } from '../support/example-readme.ts';
import { committedOffsets, testBrokers, testKafka, uniqueName } from '../support/kafka.ts';
import { logged } from '../support/logs.ts';
import { detectReplay, injectedPoints } from '../support/metrics-oracle.ts';
import { tempDirs } from '../support/temp-dirs.ts';

// examples/metrics: its README's commands against the broker, on the scenario's defaults and on
// clean data; then a run killed with -9 half way and restarted. The anomalies a read_committed
// reader sees are always the detector's over the samples in order, each once.

const tempDir = tempDirs('sluice-example-metrics');
const NAMES = ['host-metrics', 'metric-anomalies', 'anomaly-detection'];
const PARTITIONS = 4;

const order = (a: Anomaly, b: Anomaly): number => a.ts - b.ts || (a.host < b.host ? -1 : 1);

async function runReadme(edit: (commands: string) => string = (c) => c): Promise<Record<string, string>> {
  const { commands, renamed } = readmeCommands('metrics', NAMES);
  await runShellBlock(edit(commands), tempDir(), {
    SLUICE_BROKERS: testBrokers().join(','),
    SLUICE_HTTP_PORT: String(await freePort()),
    SLUICE_LOG_LEVEL: 'warn',
    METRICS_TOPIC: renamed['host-metrics'] ?? '',
    METRICS_ALERTS_TOPIC: renamed['metric-anomalies'] ?? '',
  });
  return renamed;
}

describe('examples/metrics', () => {
  it("the README's commands: every injected anomaly, nothing else, each once", async () => {
    const renamed = await runReadme();
    const anomalies = await readTopicToEnd<Anomaly>(testKafka(), renamed['metric-anomalies'] ?? '');
    const scenario = { seed: 42, count: 7_200, inject: 5 };
    expect(anomalies.sort(order)).toEqual(detectReplay(scenario).sort(order));
    expect(anomalies.map((anomaly) => `${anomaly.host}@${anomaly.ts}`)).toEqual(injectedPoints(scenario));
    expect(anomalies).toHaveLength(13);
  }, 60_000);

  it('on clean data (--inject 0): no anomaly', async () => {
    const renamed = await runReadme((commands) =>
      commands.replace('--scenario metrics', '--scenario metrics --inject 0'),
    );
    expect(await readTopicToEnd<Anomaly>(testKafka(), renamed['metric-anomalies'] ?? '')).toEqual([]);
  }, 60_000);

  it('kill -9 half way, then a restart: the same anomalies, none twice', async () => {
    const topic = uniqueName('metrics');
    const alerts = uniqueName('metric-anomalies');
    const group = uniqueName('anomaly-detection');
    const brokers = testBrokers().join(',');
    const scenario = { seed: 7, count: 7_200, inject: 8 };
    const produced = await runCli(
      [
        'produce',
        '--scenario',
        'metrics',
        '--seed',
        '7',
        '--inject',
        '8',
        '--topic',
        topic,
        '--create',
        '--partitions',
        String(PARTITIONS),
      ],
      { SLUICE_BROKERS: brokers },
    );
    expect(produced.code, produced.stderr).toBe(0);
    expect(JSON.parse(produced.stdout)).toMatchObject({ count: 7_200, scenario: 'metrics', inject: 8 });
    expect(
      (await runCli(['topics', 'create', alerts, '--partitions', '1'], { SLUICE_BROKERS: brokers })).code,
    ).toBe(0);
    const env = (trigger: string): Record<string, string> => ({
      SLUICE_BROKERS: brokers,
      SLUICE_GROUP_ID: group,
      SLUICE_JOB: 'examples/metrics/anomaly-detection.ts',
      SLUICE_GUARANTEE: 'exactly-once',
      SLUICE_CHECKPOINT_DIR: checkpoints,
      SLUICE_CHECKPOINT_INTERVAL_MS: '300',
      SLUICE_TRIGGER: trigger,
      SLUICE_BATCH_INTERVAL_MS: '100',
      // 18 batches a partition: the kill lands half way.
      SLUICE_MAX_RECORDS_PER_BATCH: '100',
      // A member killed with -9 holds its partitions until this expires: the restart waits for it.
      SLUICE_SESSION_TIMEOUT_MS: '6000',
      SLUICE_LOG_LEVEL: 'debug',
      METRICS_TOPIC: topic,
      METRICS_ALERTS_TOPIC: alerts,
    });
    const checkpoints = tempDir();

    const killed = startCli(['run'], env('micro-batch'));
    await waitForLines(killed, 'checkpoint written', 2);
    await waitForLines(killed, 'batch done', 9);
    killed.child.kill('SIGKILL');
    expect((await killed.done).code).toBe(null);
    const kafka = testKafka();
    const admin = kafka.admin();
    await admin.connect();
    const atKill = (await committedOffsets(admin, group, topic)).reduce(
      (sum, o) => sum + Math.max(Number(o), 0),
      0,
    );
    expect(atKill).toBeGreaterThan(0);
    expect(atKill).toBeLessThan(scenario.count);

    const restarted = await runCli(['run'], env('available-now'));
    expect(restarted.code, restarted.stderr.slice(-3000)).toBe(0);
    expect(logged(restarted.stderr, 'state restored from checkpoint').length).toBeGreaterThan(0);
    const atEnd = (await committedOffsets(admin, group, topic)).reduce((sum, o) => sum + Number(o), 0);
    await admin.disconnect();
    expect(atEnd).toBe(scenario.count);

    const anomalies = await readTopicToEnd<Anomaly>(kafka, alerts);
    expect(anomalies.sort(order)).toEqual(detectReplay(scenario).sort(order));
    expect(anomalies.map((anomaly) => `${anomaly.host}@${anomaly.ts}`)).toEqual(injectedPoints(scenario));
  }, 60_000);
});
