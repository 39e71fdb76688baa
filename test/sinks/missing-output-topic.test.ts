import type { Admin, Producer } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import type { OutputBatch } from '../../src/coordinator/index.ts';
import type { BatchInfo } from '../../src/core/index.ts';
import { Outputs } from '../../src/sinks/index.ts';

// A toKafka output whose topic does not exist on brokers that create no topics: the error says
// so and names the command that creates it (the exactly-once example failed with a bare
// "does it exist?").

const info: BatchInfo = { batchId: 7, time: 1000, intervalMs: 1000, offsetRanges: [] };

const batch: OutputBatch = {
  node: 3,
  values: [['k', 1]],
  sink: { type: 'kafka', topic: 'page-counts', partitioner: 'murmur2', compression: 'none' },
};

/** kafkajs's error for a topic the brokers do not have, as its protocol layer throws it. */
function unknownTopic(): Error {
  return Object.assign(new Error('This server does not host this topic-partition'), {
    type: 'UNKNOWN_TOPIC_OR_PARTITION',
    retriable: true,
  });
}

describe('a Kafka output whose topic does not exist', () => {
  it('fails naming the topic and the command that creates it', async () => {
    const admin = {
      fetchTopicMetadata: async () => {
        throw unknownTopic();
      },
    } as unknown as Admin;
    const outputs = new Outputs({ kafka: { admin, producer: {} as Producer } });
    await expect(outputs.write([batch], info)).rejects.toMatchObject({
      code: 'SLUICE_SINK',
      message:
        'output topic page-counts cannot be described: the topic page-counts does not exist (or the brokers are still creating it); create it first: npx sluice topics create page-counts --partitions N',
    });
  });

  it('says the same when a write meets it (the topic deleted since it was described)', async () => {
    const admin = {
      fetchTopicMetadata: async () => ({
        topics: [{ name: 'page-counts', partitions: [{ partitionId: 0 }] }],
      }),
    } as unknown as Admin;
    const producer = {
      send: async () => {
        throw unknownTopic();
      },
    } as unknown as Producer;
    const outputs = new Outputs({ kafka: { admin, producer } });
    await expect(outputs.write([batch], info)).rejects.toMatchObject({
      code: 'SLUICE_SINK',
      message:
        'output 3 (toKafka page-counts) failed for batch 7: the topic page-counts does not exist (or the brokers are still creating it); create it first: npx sluice topics create page-counts --partitions N',
    });
  });
});
