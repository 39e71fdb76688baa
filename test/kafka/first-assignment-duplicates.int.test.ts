import { describe, expect, it } from 'vitest';
import { startCli, waitForLines } from '../support/cli.ts';
import { readJsonLines, totals } from '../support/files.ts';
import { committedOffsets, sharedClients, testBrokers, uniqueName } from '../support/kafka.ts';
import { logged } from '../support/logs.ts';
import { tempDirs } from '../support/temp-dirs.ts';

const kafka = sharedClients('first-assignment-test');
const tempDir = tempDirs('sluice-dup');
const INTERVAL_MS = 2000;

const committed = (groupId: string, topic: string): Promise<string[]> =>
  committedOffsets(kafka.admin, groupId, topic);

// Regression: kafkajs delivered records before the source had sought each new partition to its
// start; they were buffered, then the seek delivered the same offsets again, and a fresh group
// processed records twice (half the runs with a 2 s micro-batch).
describe('a new group on the micro-batch trigger', () => {
  it('processes every record once', async () => {
    const topic = uniqueName('dup');
    await kafka.admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    await kafka.producer.send({
      topic,
      acks: -1,
      messages: [0, 1].flatMap((partition) =>
        Array.from({ length: 40 }, (_, i) => ({ partition, value: `w${partition} x${i % 4}` })),
      ),
    });
    const groupId = uniqueName('dup');
    const dir = tempDir();
    const cli = startCli(['run', 'examples/word-count.ts'], {
      SLUICE_BROKERS: testBrokers().join(','),
      SLUICE_TOPICS: topic,
      SLUICE_GROUP_ID: groupId,
      SLUICE_VALUE_FORMAT: 'string',
      SLUICE_TRIGGER: 'micro-batch',
      SLUICE_BATCH_INTERVAL_MS: String(INTERVAL_MS),
      SLUICE_WORKERS: '1',
      SLUICE_LOG_LEVEL: 'debug',
      WORD_COUNT_DIR: dir,
    });
    const deadline = Date.now() + 150_000;
    while ((await committed(groupId, topic)).join() !== '40,40' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // Two more batches: a second delivery of the same offsets would be processed in them. (The
    // batch that committed may not have logged its 'batch done' yet: three lines.)
    await waitForLines(cli, 'batch done', logged(cli.output(), 'batch done').length + 3);
    cli.child.kill('SIGTERM');
    expect((await cli.done).code).toBe(0);
    expect(totals(readJsonLines<[string, number]>(dir))).toEqual({
      w0: 40,
      w1: 40,
      x0: 20,
      x1: 20,
      x2: 20,
      x3: 20,
    });
    expect(await committed(groupId, topic)).toEqual(['40', '40']);
  }, 180_000);
});
