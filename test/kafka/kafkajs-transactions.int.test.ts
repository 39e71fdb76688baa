// kafkajs transactions against the real Kafka 4 broker: committed and aborted transactions, with
// offsets sent to a consumer group inside each, read back with both isolation levels.
import type { Kafka } from 'kafkajs';
import { describe, expect, it, onTestFinished } from 'vitest';
import { type Received, startCollecting } from '../support/collect.ts';
import { testKafka, uniqueName } from '../support/kafka.ts';

type Client = { connect(): Promise<void>; disconnect(): Promise<void> };

/** Connects a kafkajs client and disconnects it when the test ends, pass or fail. */
async function open<T extends Client>(client: T): Promise<T> {
  onTestFinished(() => client.disconnect());
  await client.connect();
  return client;
}

const summary = ({ partition, message }: Received) => ({
  partition,
  offset: message.offset,
  key: message.key?.toString(),
  value: message.value?.toString(),
});

/** Every message on the topic, read from the start by a fresh group with the given isolation. */
async function readAll(kafka: Kafka, topic: string, readUncommitted: boolean, count: number) {
  const consumer = await open(
    kafka.consumer({ groupId: uniqueName('compat-tx-reader'), maxWaitTimeInMs: 100, readUncommitted }),
  );
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const inbox = await startCollecting(consumer);
  await inbox.waitFor(count);
  await consumer.disconnect();
  return inbox.received.map(summary);
}

describe('kafkajs transactions', () => {
  it('commits and aborts transactions with sendOffsets; read_committed sees only committed records', async () => {
    const kafka = testKafka('compat-tx');
    const input = uniqueName('compat-tx-in');
    const output = uniqueName('compat-tx-out');
    const groupId = uniqueName('compat-tx-group');
    const admin = await open(kafka.admin());
    await admin.createTopics({
      topics: [
        { topic: input, numPartitions: 1 },
        { topic: output, numPartitions: 1 },
      ],
      waitForLeaders: true,
    });
    const plain = await open(kafka.producer());
    await plain.send({
      topic: input,
      messages: Array.from({ length: 10 }, (_, i) => ({ partition: 0, value: `in${i}` })),
    });

    // A processor in the group reads the input and leaves its progress to the transactions.
    // (Reading first also has the group coordinator loaded before sendOffsets, which kafkajs
    // does not retry while it loads on a fresh Kafka 4 broker: see docs/compatibility.md.)
    const reader = await open(kafka.consumer({ groupId, maxWaitTimeInMs: 100 }));
    await reader.subscribe({ topics: [input], fromBeginning: true });
    const inbox = await startCollecting(reader);
    expect((await inbox.waitFor(10)).map((r) => r.message.value?.toString())).toEqual(
      Array.from({ length: 10 }, (_, i) => `in${i}`),
    );
    await reader.disconnect();
    expect(await admin.fetchOffsets({ groupId, topics: [input] })).toEqual([
      { topic: input, partitions: [{ partition: 0, offset: '-1', metadata: null }] },
    ]);

    const producer = await open(
      kafka.producer({ transactionalId: uniqueName('compat-tx'), idempotent: true, maxInFlightRequests: 1 }),
    );
    const offsetsAt = (offset: string) => ({
      consumerGroupId: groupId,
      topics: [{ topic: input, partitions: [{ partition: 0, offset }] }],
    });

    // Output offsets: committed 0-1, marker 2; aborted 3-4, marker 5; committed 6, marker 7.
    const committed = await producer.transaction();
    await committed.send({
      topic: output,
      messages: [
        { partition: 0, key: 'c', value: 'committed-0' },
        { partition: 0, key: 'c', value: 'committed-1' },
      ],
    });
    await committed.sendOffsets(offsetsAt('5'));
    await committed.commit();

    const aborted = await producer.transaction();
    await aborted.send({
      topic: output,
      messages: [
        { partition: 0, key: 'a', value: 'aborted-0' },
        { partition: 0, key: 'a', value: 'aborted-1' },
      ],
    });
    await aborted.sendOffsets(offsetsAt('9'));
    await aborted.abort();

    // A committed record after the aborted ones: reading it proves the reader got past them.
    const last = await producer.transaction();
    await last.send({ topic: output, messages: [{ partition: 0, key: 'c', value: 'committed-2' }] });
    await last.commit();

    // The coordinator lets a transaction begin only once the previous one's markers are written,
    // so both earlier outcomes are final here: the group holds the committed offset, not the aborted one.
    expect(await admin.fetchOffsets({ groupId, topics: [input] })).toEqual([
      { topic: input, partitions: [{ partition: 0, offset: '5', metadata: null }] },
    ]);

    expect(await readAll(kafka, output, false, 3)).toEqual([
      { partition: 0, offset: '0', key: 'c', value: 'committed-0' },
      { partition: 0, offset: '1', key: 'c', value: 'committed-1' },
      { partition: 0, offset: '6', key: 'c', value: 'committed-2' },
    ]);
    // Reading offset 6 read_committed means the last marker is written too: the log ends at 8.
    expect(await admin.fetchTopicOffsets(output)).toEqual([
      { partition: 0, offset: '8', high: '8', low: '0' },
    ]);
    // read_uncommitted shows the aborted records were written, so their absence above is the filter.
    expect(await readAll(kafka, output, true, 5)).toEqual([
      { partition: 0, offset: '0', key: 'c', value: 'committed-0' },
      { partition: 0, offset: '1', key: 'c', value: 'committed-1' },
      { partition: 0, offset: '3', key: 'a', value: 'aborted-0' },
      { partition: 0, offset: '4', key: 'a', value: 'aborted-1' },
      { partition: 0, offset: '6', key: 'c', value: 'committed-2' },
    ]);
  });
});
