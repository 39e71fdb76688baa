import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';
import { readJsonLines, totals } from '../support/files.ts';
import { sharedClients, testBrokers, uniqueName } from '../support/kafka.ts';
import { tempDirs } from '../support/temp-dirs.ts';

const kafka = sharedClients('heartbeat-test');
const tempDir = tempDirs('sluice-heartbeat');

describe('heartbeats during long batches', () => {
  it('keeps its partitions through a batch longer than the session timeout', async () => {
    const topic = uniqueName('words');
    const groupId = uniqueName('slow');
    await kafka.admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    await kafka.producer.send({
      topic,
      messages: ['a', 'b', 'a', 'c'].map((value, i) => ({ partition: i % 2, value })),
    });
    const dir = tempDir();
    const result = await runCli(['run', 'test/fixtures/jobs/slow-output.ts'], {
      SLUICE_BROKERS: testBrokers().join(','),
      SLUICE_TOPICS: topic,
      SLUICE_GROUP_ID: groupId,
      SLUICE_VALUE_FORMAT: 'string',
      SLUICE_TRIGGER: 'available-now',
      SLUICE_SESSION_TIMEOUT_MS: '6000',
      SLUICE_LOG_LEVEL: 'info',
      SLOW_OUTPUT_MS: '9000',
      WORD_COUNT_DIR: dir,
    });
    expect(result.code).toBe(0);
    // One assignment only: the group never rebalanced while the 9 s output ran.
    expect(result.stderr.match(/partitions assigned/g)).toHaveLength(1);
    expect(totals(readJsonLines<[string, number]>(dir))).toEqual({ a: 2, b: 1, c: 1 });
    const [entry] = await kafka.admin.fetchOffsets({ groupId, topics: [topic] });
    expect(entry?.partitions.map((p) => [p.partition, p.offset]).sort()).toEqual([
      [0, '2'],
      [1, '2'],
    ]);
  }, 60_000);
});
