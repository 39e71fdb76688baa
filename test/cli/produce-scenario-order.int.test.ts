import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { metricPoints } from '../../src/scenarios/index.ts';
import { statePartitionOf } from '../../src/task/index.ts';
import { runCli } from '../support/cli.ts';
import { testBrokers, testKafka, uniqueName } from '../support/kafka.ts';
import { tempDirs } from '../support/temp-dirs.ts';

const tempDir = tempDirs('sluice-produce-order');

/** Every value the topic's 4 partitions hold, per partition, once `count` are read. */
async function perPartition(topic: string, count: number): Promise<string[][]> {
  const consumer = testKafka().consumer({ groupId: uniqueName('produce-order') });
  await consumer.connect();
  const got: string[][] = [[], [], [], []];
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    let read = 0;
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          eachMessage: async ({ partition, message }) => {
            got[partition]?.push(message.value?.toString() ?? '');
            if (++read === count) resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return got;
}

// Regression: with 4 produce requests in flight, kafkajs let a later send() overtake an earlier one
// (a partition held records 3000-3999 before 2000-2999), so a scenario's per-host samples came out
// of order. A scenario's records, and a file's lines, must reach each partition in their order.

it('sluice produce --scenario: each partition holds its records in generation order', async () => {
  const topic = uniqueName('scenario-order');
  const options = { seed: 42, count: 7_200, inject: 5 };
  const produced = await runCli(
    [
      'produce',
      '--scenario',
      'metrics',
      '--topic',
      topic,
      '--create',
      '--partitions',
      '4',
      '--batch-size',
      '200',
    ],
    { SLUICE_BROKERS: testBrokers().join(',') },
  );
  expect(produced.code, produced.stderr).toBe(0);
  const got = await perPartition(topic, options.count);
  const points = [...metricPoints(options)];
  for (let partition = 0; partition < 4; partition++) {
    const wanted = points.filter((point) => statePartitionOf(point.host, 4) === partition);
    expect(got[partition]).toEqual(wanted.map((point) => JSON.stringify(point)));
  }
}, 60_000);

it('sluice produce --from-file: each partition holds its lines in file order', async () => {
  const topic = uniqueName('lines-order');
  const lines = Array.from({ length: 8_000 }, (_, i) => JSON.stringify({ user: `u${i % 13}`, seq: i }));
  const file = join(tempDir(), 'lines.json');
  writeFileSync(file, `${lines.join('\n')}\n`);
  const produced = await runCli(
    [
      'produce',
      '--topic',
      topic,
      '--create',
      '--partitions',
      '4',
      '--from-file',
      file,
      '--format',
      'json',
      '--key-field',
      'user',
      '--batch-size',
      '100',
    ],
    { SLUICE_BROKERS: testBrokers().join(',') },
  );
  expect(produced.code, produced.stderr).toBe(0);
  const got = await perPartition(topic, lines.length);
  for (let partition = 0; partition < 4; partition++) {
    const wanted = lines.filter(
      (line) => statePartitionOf((JSON.parse(line) as { user: string }).user, 4) === partition,
    );
    expect(got[partition]).toEqual(wanted);
  }
}, 60_000);
