// KafkaTransactions against the real broker: taking a partition fences its earlier owner, whose
// open transaction is aborted and whose commit then fails with SLUICE_TRANSACTION.
import type { Kafka } from 'kafkajs';
import { describe, expect, it, onTestFinished } from 'vitest';
import { KafkaTransactions } from '../../src/kafka/index.ts';
import { startCollecting } from '../support/collect.ts';
import { committedOffsets, sharedClients, testKafka, uniqueName } from '../support/kafka.ts';

const clients = sharedClients('transactions-test');
const quiet = { info: () => {}, warn: () => {} };

function transactions(kafka: Kafka, groupId: string): KafkaTransactions {
  const made = new KafkaTransactions({ kafka, groupId, timeoutMs: 60_000, log: quiet });
  onTestFinished(() => made.close());
  return made;
}

/** The values a read_committed reader sees on `topic`, once `count` arrived. */
async function committedValues(kafka: Kafka, topic: string, count: number): Promise<string[]> {
  const consumer = kafka.consumer({ groupId: uniqueName('tx-reader'), maxWaitTimeInMs: 100 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const inbox = await startCollecting(consumer);
    return (await inbox.waitFor(count)).map((item) => item.message.value?.toString() ?? '');
  } finally {
    await consumer.disconnect();
  }
}

describe('KafkaTransactions', () => {
  it('a partition taken by another instance fences the earlier owner: its transaction is aborted, its commit fails', async () => {
    const kafka = testKafka('transactions-test');
    const [input, output, groupId] = [uniqueName('tx-in'), uniqueName('tx-out'), uniqueName('tx-group')];
    await clients.admin.createTopics({
      topics: [input, output].map((topic) => ({ topic, numPartitions: 1 })),
      waitForLeaders: true,
    });
    // A member joins the group first: a fresh group's coordinator is loaded before sendOffsets.
    const member = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
    await member.connect();
    await member.subscribe({ topics: [input] });
    await startCollecting(member);
    await member.disconnect();

    const first = transactions(kafka, groupId);
    first.own([{ topic: input, partition: 0 }]);
    await first.send({ topic: output, messages: [{ partition: 0, value: 'from the first owner' }] });

    const second = transactions(kafka, groupId);
    await second.fence([{ topic: input, partition: 0 }]);
    const failure = first.commit([{ topic: input, partition: 0, offset: 10n }]);
    await expect(failure).rejects.toMatchObject({ code: 'SLUICE_TRANSACTION' });
    await expect(failure).rejects.toThrow(
      /^cannot commit the transaction: .*\(another instance took the partition over: this one was fenced; or the transaction was open longer than its timeout, 60000 ms, and the broker aborted it\); nothing of it is visible/,
    );

    second.own([{ topic: input, partition: 0 }]);
    await second.send({ topic: output, messages: [{ partition: 0, value: 'from the second owner' }] });
    await second.commit([{ topic: input, partition: 0, offset: 7n }]);

    expect(await committedValues(kafka, output, 1)).toEqual(['from the second owner']);
    expect(await committedOffsets(clients.admin, groupId, input)).toEqual(['7']);
    expect(second.transactionalId(input, 0)).toBe(`${groupId}-${input}-0`);
  });

  it('back-to-back transactions of offsets alone all commit: AddOffsetsToTxn refused while the previous one ends is made again', async () => {
    const kafka = testKafka('transactions-test');
    const [input, groupId] = [uniqueName('tx-in'), uniqueName('tx-group')];
    await clients.admin.createTopics({ topics: [{ topic: input, numPartitions: 1 }], waitForLeaders: true });
    const member = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
    await member.connect();
    await member.subscribe({ topics: [input] });
    await startCollecting(member);
    await member.disconnect();
    const again: { waitedMs?: number }[] = [];
    const made = new KafkaTransactions({
      kafka,
      groupId,
      timeoutMs: 60_000,
      log: { ...quiet, debug: (object: { waitedMs?: number }) => void again.push(object) },
    });
    onTestFinished(() => made.close());
    made.own([{ topic: input, partition: 0 }]);
    // As a stateless exactly-once run with a PostgreSQL output commits: one transaction per batch.
    const COMMITS = 40;
    for (let offset = 1n; offset <= COMMITS; offset++) {
      await made.commit([{ topic: input, partition: 0, offset }]);
    }
    // The last commit's offsets show once its markers are written, a moment after it returned.
    let committed = await committedOffsets(clients.admin, groupId, input);
    for (let attempt = 1; committed[0] !== String(COMMITS) && attempt < 300; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      committed = await committedOffsets(clients.admin, groupId, input);
    }
    expect(committed).toEqual([String(COMMITS)]);
    console.info(
      `${COMMITS} back-to-back transactions: ${again.length} AddOffsetsToTxn made again (waited ${again.map((line) => line.waitedMs).join(', ')} ms)`,
    );
  });

  it('a commit with nothing sent and no offsets begins no transaction', async () => {
    const kafka = testKafka('transactions-test');
    const idle = transactions(kafka, uniqueName('tx-idle'));
    // No partition is owned: beginning a transaction would fail, so nothing began.
    await idle.commit([]);
    await expect(idle.current()).rejects.toMatchObject({ code: 'SLUICE_TRANSACTION' });
  });
});
