import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createPartitioner } from '../../src/kafka/index.ts';
import { runCli, startCli } from '../support/cli.ts';
import { sharedClients, testBrokers, testKafka, uniqueName } from '../support/kafka.ts';

const kafka = sharedClients('sink-test');

async function readAll(
  topic: string,
  count: number,
): Promise<{ partition: number; key: string; value: string }[]> {
  const consumer = testKafka('sink-reader').consumer({ groupId: uniqueName('reader') });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen: { partition: number; key: string; value: string }[] = [];
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ partition, message }) => {
        seen.push({ partition, key: String(message.key), value: String(message.value) });
        if (seen.length === count) resolve();
      },
    });
  });
  await consumer.disconnect();
  return seen;
}

const byKey = <T extends { key: string }>(rows: T[]): T[] => rows.sort((a, b) => a.key.localeCompare(b.key));

describe('aggregate job into Kafka, from topics chosen by pattern', () => {
  it('reads every topic matching /regex/ and writes keyed results placed by murmur2', async () => {
    const prefix = uniqueName('clicks');
    const topics = [`${prefix}-eu`, `${prefix}-us`];
    const output = uniqueName('counts');
    await kafka.admin.createTopics({
      topics: [...topics.map((topic) => ({ topic, numPartitions: 2 })), { topic: output, numPartitions: 5 }],
      waitForLeaders: true,
    });
    const click = (url: string) => JSON.stringify({ url });
    await kafka.producer.send({
      topic: topics[0] as string,
      messages: [click('/a'), click('/b'), click('/a')].map((value) => ({ value })),
    });
    await kafka.producer.send({
      topic: topics[1] as string,
      messages: [click('/a'), click('/c')].map((value) => ({ value })),
    });

    const result = await runCli(['run'], {
      SLUICE_BROKERS: testBrokers().join(','),
      SLUICE_TOPICS: `/^${prefix}-.*/`,
      SLUICE_GROUP_ID: uniqueName('agg'),
      SLUICE_TRIGGER: 'available-now',
      SLUICE_SINK: `kafka:${output}`,
      SLUICE_LOG_LEVEL: 'error',
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);

    const rows = byKey(await readAll(output, 3));
    const murmur2 = createPartitioner('murmur2');
    expect(
      rows.map((row) => ({ ...row, value: JSON.parse(row.value) as { key: string; value: number } })),
    ).toEqual(
      [
        ['/a', 3],
        ['/b', 1],
        ['/c', 1],
      ].map(([key, value]) => ({
        key,
        partition: murmur2({ key: Buffer.from(key as string), value: null }, 5),
        value: { key, value, windowStart: expect.any(Number), windowEnd: expect.any(Number) },
      })),
    );
  });

  it('fails clearly when the output topic does not exist, committing nothing', async () => {
    const topic = uniqueName('clicks');
    await kafka.admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await kafka.producer.send({ topic, messages: [{ value: JSON.stringify({ url: '/a' }) }] });
    const groupId = uniqueName('agg');
    const missing = uniqueName('missing');
    const result = await runCli(['run'], {
      SLUICE_BROKERS: testBrokers().join(','),
      SLUICE_TOPICS: topic,
      SLUICE_GROUP_ID: groupId,
      SLUICE_TRIGGER: 'available-now',
      SLUICE_SINK: `kafka:${missing}`,
      SLUICE_SINK_RETRY_TIMEOUT_MS: '0',
      SLUICE_LOG_LEVEL: 'fatal',
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `SLUICE_SINK: output topic ${missing} cannot be described: the topic ${missing} does not exist (or the brokers are still creating it); create it first: npx sluice topics create ${missing} --partitions N`,
    );
    const [entry] = await kafka.admin.fetchOffsets({ groupId, topics: [topic] });
    expect(entry?.partitions).toEqual([{ partition: 0, offset: '-1', metadata: null }]);
  });

  it('retries an output whose topic appears later: nothing is lost, and commits wait for it', async () => {
    const topic = uniqueName('clicks');
    await kafka.admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await kafka.producer.send({
      topic,
      messages: ['/a', '/b', '/a'].map((url) => ({ value: JSON.stringify({ url }) })),
    });
    const groupId = uniqueName('agg');
    const late = uniqueName('appears');
    const cli = startCli(['run'], {
      SLUICE_BROKERS: testBrokers().join(','),
      SLUICE_TOPICS: topic,
      SLUICE_GROUP_ID: groupId,
      SLUICE_TRIGGER: 'available-now',
      SLUICE_SINK: `kafka:${late}`,
      SLUICE_LOG_LEVEL: 'warn',
    });
    await cli.waitFor(/output failed; retrying/);
    // While the output fails, the batch is not committed.
    const [before] = await kafka.admin.fetchOffsets({ groupId, topics: [topic] });
    expect(before?.partitions).toEqual([{ partition: 0, offset: '-1', metadata: null }]);
    await kafka.admin.createTopics({ topics: [{ topic: late, numPartitions: 1 }], waitForLeaders: true });
    const result = await cli.done;
    expect(result.code).toBe(0);
    // Exactly one write of the batch's two rows.
    expect(await kafka.admin.fetchTopicOffsets(late)).toEqual([
      { partition: 0, offset: '2', high: '2', low: '0' },
    ]);
    const rows = byKey(await readAll(late, 2)).map(
      (row) => JSON.parse(row.value) as { key: string; value: number },
    );
    expect(rows.map(({ key, value }) => [key, value])).toEqual([
      ['/a', 2],
      ['/b', 1],
    ]);
    const [after] = await kafka.admin.fetchOffsets({ groupId, topics: [topic] });
    expect(after?.partitions).toEqual([{ partition: 0, offset: '3', metadata: null }]);
  });
});

const TO_KAFKA = fileURLToPath(new URL('../fixtures/jobs/to-kafka.ts', import.meta.url));

describe('a Kafka output larger than one record batch the broker takes', () => {
  it("writes 3 MB of one partition's batch in requests under message.max.bytes, in order", async () => {
    const input = uniqueName('big-in');
    const output = uniqueName('big-out');
    await kafka.admin.createTopics({
      topics: [
        { topic: input, numPartitions: 1 },
        { topic: output, numPartitions: 1 },
      ],
      waitForLeaders: true,
    });
    const values = Array.from({ length: 3000 }, (_, i) => `${i}:`.padEnd(1000, 'x'));
    for (let from = 0; from < values.length; from += 500) {
      await kafka.producer.send({
        topic: input,
        messages: values.slice(from, from + 500).map((value, i) => ({ key: `k${from + i}`, value })),
      });
    }
    const env = {
      SLUICE_BROKERS: testBrokers().join(','),
      SLUICE_TOPICS: input,
      SLUICE_TRIGGER: 'available-now',
      SLUICE_VALUE_FORMAT: 'string',
      // The whole topic in one fetch, so one batch holds it all.
      SLUICE_MAX_PARTITION_FETCH_BYTES: String(8 * 1024 * 1024),
      SLUICE_SINK_RETRY_TIMEOUT_MS: '0',
      SLUICE_LOG_LEVEL: 'error',
      OUTPUT_TOPIC: output,
    };
    // Without the cut (a limit above the broker's 1 MiB), the broker refuses the batch.
    const refused = await runCli(['run', TO_KAFKA], {
      ...env,
      SLUICE_GROUP_ID: uniqueName('big'),
      SLUICE_SINK_MAX_BATCH_BYTES: String(64 * 1024 * 1024),
    });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(
      /SLUICE_SINK_REJECTED: .*the broker refused the records for big-out-[^ ]+-0 \(request 1 to its leader\): MESSAGE_TOO_LARGE/,
    );

    const result = await runCli(['run', TO_KAFKA], { ...env, SLUICE_GROUP_ID: uniqueName('big') });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    // One partition: arrival order is offset order.
    const rows = await readAll(output, values.length);
    expect(rows).toEqual(
      values.map((value, i) => ({ partition: 0, key: `k${i}`, value: JSON.stringify([`k${i}`, value]) })),
    );
    const [offsets] = await kafka.admin.fetchTopicOffsets(output);
    expect(offsets?.high).toBe(String(values.length));
  });
});
