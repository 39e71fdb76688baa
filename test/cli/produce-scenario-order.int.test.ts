import { expect, it } from 'vitest';
import { metricPoints } from '../../src/scenarios/index.ts';
import { statePartitionOf } from '../../src/task/index.ts';
import { runCli } from '../support/cli.ts';
import { testBrokers, testKafka, uniqueName } from '../support/kafka.ts';

// Regression: with 4 produce requests in flight, kafkajs let a later send() overtake an earlier one
// (a partition held records 3000-3999 before 2000-2999), so a scenario's per-host samples came out
// of order. A scenario's records must reach each partition in the order they were generated.

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
  const consumer = testKafka().consumer({ groupId: uniqueName('scenario-order') });
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
            if (++read === options.count) resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  const points = [...metricPoints(options)];
  for (let partition = 0; partition < 4; partition++) {
    const wanted = points.filter((point) => statePartitionOf(point.host, 4) === partition);
    expect(got[partition]).toEqual(wanted.map((point) => JSON.stringify(point)));
  }
}, 60_000);
