// kafkajs consumer groups against the real Kafka 4 broker: explicit commits that a later member
// resumes from, and seeking within a partition.
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

const COUNT = 10;

/** A one-partition topic holding values v0..v9 with keys k0..k9 at offsets 0..9. */
async function topicWithTenMessages(kafka: Kafka, prefix: string): Promise<string> {
  const topic = uniqueName(prefix);
  const admin = await open(kafka.admin());
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  const producer = await open(kafka.producer());
  await producer.send({
    topic,
    messages: Array.from({ length: COUNT }, (_, i) => ({ partition: 0, key: `k${i}`, value: `v${i}` })),
  });
  return topic;
}

const summary = ({ partition, message }: Received) => ({
  partition,
  offset: message.offset,
  key: message.key?.toString(),
  value: message.value?.toString(),
});

const expected = (offsets: number[]) =>
  offsets.map((i) => ({ partition: 0, offset: String(i), key: `k${i}`, value: `v${i}` }));

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('kafkajs consumer groups', () => {
  it('commits an explicit offset with autoCommit off, and the next member resumes exactly there', async () => {
    const kafka = testKafka('compat-groups');
    const topic = await topicWithTenMessages(kafka, 'compat-commit');
    const groupId = uniqueName('compat-commit');
    const admin = await open(kafka.admin());

    // Consume six but commit four: the group must resume at the commit, not at what was read.
    const first = await open(kafka.consumer({ groupId, maxWaitTimeInMs: 100 }));
    await first.subscribe({ topics: [topic], fromBeginning: true });
    const firstInbox = await startCollecting(first);
    expect((await firstInbox.waitFor(6)).map(summary)).toEqual(expected(range(0, 6)));
    await first.commitOffsets([{ topic, partition: 0, offset: '4' }]);
    await first.disconnect();

    expect(await admin.fetchOffsets({ groupId, topics: [topic] })).toEqual([
      { topic, partitions: [{ partition: 0, offset: '4', metadata: null }] },
    ]);

    const second = await open(kafka.consumer({ groupId, maxWaitTimeInMs: 100 }));
    await second.subscribe({ topics: [topic], fromBeginning: true });
    const secondInbox = await startCollecting(second);
    await secondInbox.waitFor(COUNT - 4);
    await second.disconnect();
    expect(secondInbox.received.map(summary)).toEqual(expected(range(4, COUNT)));

    // Neither member committed anything on its own.
    expect(await admin.fetchOffsets({ groupId, topics: [topic] })).toEqual([
      { topic, partitions: [{ partition: 0, offset: '4', metadata: null }] },
    ]);
  });

  it('seeks forward from the log end and back again, delivering exactly the messages from each offset', async () => {
    const kafka = testKafka('compat-seek');
    const topic = await topicWithTenMessages(kafka, 'compat-seek');
    const groupId = uniqueName('compat-seek');

    // Starting at the log end, nothing arrives unless the seek takes effect.
    const consumer = await open(kafka.consumer({ groupId, maxWaitTimeInMs: 100 }));
    await consumer.subscribe({ topics: [topic], fromBeginning: false });
    const inbox = await startCollecting(consumer);

    consumer.seek({ topic, partition: 0, offset: '7' });
    expect((await inbox.waitFor(3)).map(summary)).toEqual(expected([7, 8, 9]));

    consumer.seek({ topic, partition: 0, offset: '2' });
    await inbox.waitFor(3 + 8);
    await consumer.disconnect();
    expect(inbox.received.map(summary)).toEqual(expected([7, 8, 9, ...range(2, COUNT)]));

    // With autoCommit off, seeking commits nothing either.
    const admin = await open(kafka.admin());
    expect(await admin.fetchOffsets({ groupId, topics: [topic] })).toEqual([
      { topic, partitions: [{ partition: 0, offset: '-1', metadata: null }] },
    ]);
  });
});
