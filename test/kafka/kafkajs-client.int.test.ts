// kafkajs against the real Kafka 4 broker: admin topic lifecycle, a byte-exact produce/consume
// round trip with and without gzip, and the protocol versions kafkajs negotiates.
import { CompressionTypes, Kafka, type logCreator, logLevel } from 'kafkajs';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startCollecting } from '../support/collect.ts';
import { testBrokers, testKafka, uniqueName } from '../support/kafka.ts';

type Client = { connect(): Promise<void>; disconnect(): Promise<void> };

/** Connects a kafkajs client and disconnects it when the test ends, pass or fail. */
async function open<T extends Client>(client: T): Promise<T> {
  onTestFinished(() => client.disconnect());
  await client.connect();
  return client;
}

type SentRequest = {
  readonly api: string;
  readonly key: number;
  readonly version: number;
  readonly size: number;
};
type VersionRange = { readonly min: number; readonly max: number };

/**
 * A kafkajs client whose debug log is parsed into the requests it sent and the version ranges the
 * broker advertised in its ApiVersions response: kafkajs exposes neither through its API.
 */
function recordingKafka(clientId: string): {
  kafka: Kafka;
  requests: SentRequest[];
  brokerRanges: Map<number, VersionRange>;
} {
  const requests: SentRequest[] = [];
  const brokerRanges = new Map<number, VersionRange>();
  const logCreator: logCreator =
    () =>
    ({ log }) => {
      const match = /^(Request|Response) (\w+)\(key: (\d+), version: (\d+)\)$/.exec(log.message);
      if (!match) return;
      const [, direction, api = '', key, version] = match;
      if (direction === 'Request') {
        const size = typeof log.size === 'number' ? log.size : -1;
        requests.push({ api, key: Number(key), version: Number(version), size });
      } else if (api === 'ApiVersions' && Array.isArray(log.data?.apiVersions)) {
        for (const entry of log.data.apiVersions as {
          apiKey: number;
          minVersion: number;
          maxVersion: number;
        }[]) {
          brokerRanges.set(entry.apiKey, { min: entry.minVersion, max: entry.maxVersion });
        }
      }
    };
  const kafka = new Kafka({ clientId, brokers: testBrokers(), logLevel: logLevel.DEBUG, logCreator });
  return { kafka, requests, brokerRanges };
}

const byPartition = <T extends { partition: number }>(items: readonly T[]): T[] =>
  [...items].sort((a, b) => a.partition - b.partition);

describe('kafkajs admin', () => {
  it('creates a 3-partition topic, sees exactly 3 partitions in metadata and offsets, then deletes it', async () => {
    const admin = await open(testKafka('compat-admin').admin());
    const topic = uniqueName('compat-admin');

    expect(await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true })).toBe(
      true,
    );
    const { brokers } = await admin.describeCluster();
    expect(brokers).toHaveLength(1);
    const nodeId = brokers[0]?.nodeId;

    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(topics.map((t) => t.name)).toEqual([topic]);
    const partitions = [...(topics[0]?.partitions ?? [])].sort((a, b) => a.partitionId - b.partitionId);
    expect(
      partitions.map(({ partitionId, partitionErrorCode, leader, replicas, isr }) => ({
        partitionId,
        partitionErrorCode,
        leader,
        replicas,
        isr,
      })),
    ).toEqual(
      [0, 1, 2].map((partitionId) => ({
        partitionId,
        partitionErrorCode: 0,
        leader: nodeId,
        replicas: [nodeId],
        isr: [nodeId],
      })),
    );
    expect(byPartition(await admin.fetchTopicOffsets(topic))).toEqual(
      [0, 1, 2].map((partition) => ({ partition, offset: '0', high: '0', low: '0' })),
    );
    expect(await admin.listTopics()).toContain(topic);

    await admin.deleteTopics({ topics: [topic] });
    expect(await admin.listTopics()).not.toContain(topic);
  });
});

const LARGE_VALUE = 'sluice '.repeat(10_000);

describe('kafkajs produce and consume', () => {
  it.each([
    { name: 'none', compression: CompressionTypes.None },
    { name: 'gzip', compression: CompressionTypes.GZIP },
  ])(
    'round-trips keys, values, headers and timestamps byte for byte (compression: $name)',
    async ({ name, compression }) => {
      const topic = uniqueName(`compat-produce-${name}`);
      const admin = await open(testKafka('compat-produce').admin());
      await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });

      const recording = recordingKafka('compat-produce');
      const producer = await open(recording.kafka.producer());
      const metadata = await producer.send({
        topic,
        compression,
        messages: [
          {
            partition: 0,
            key: 'user-1',
            value: 'first',
            timestamp: '1700000000000',
            headers: { 'trace-id': 'a1', bin: Buffer.from([0x00, 0xff, 0x10]) },
          },
          {
            partition: 0,
            key: Buffer.from([0xde, 0xad]),
            value: Buffer.from([0x00, 0x01, 0xfe, 0xff]),
            timestamp: '1700000000001',
            headers: { multi: ['x', 'y'] },
          },
          { partition: 0, key: 'user-1', value: LARGE_VALUE, timestamp: '1700000000002' },
          {
            partition: 1,
            key: 'user-2',
            value: 'grüße ✓',
            timestamp: '1700000000003',
            headers: { 'content-type': 'text/plain' },
          },
          { partition: 1, key: 'user-2', value: null, timestamp: '1700000000004' },
        ],
      });
      expect(
        byPartition(metadata).map(({ partition, errorCode, baseOffset }) => ({
          partition,
          errorCode,
          baseOffset,
        })),
      ).toEqual([
        { partition: 0, errorCode: 0, baseOffset: '0' },
        { partition: 1, errorCode: 0, baseOffset: '0' },
      ]);

      // The 70 KB value repeats one word: only a batch that was really gzipped goes out this small.
      const produceSizes = recording.requests.filter((r) => r.api === 'Produce').map((r) => r.size);
      expect(produceSizes).toHaveLength(1);
      if (name === 'gzip') expect(produceSizes[0]).toBeLessThan(2_000);
      else expect(produceSizes[0]).toBeGreaterThan(LARGE_VALUE.length);

      const consumer = await open(
        testKafka('compat-produce').consumer({ groupId: uniqueName('compat-produce'), maxWaitTimeInMs: 100 }),
      );
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      const inbox = await startCollecting(consumer);
      await inbox.waitFor(5);
      await consumer.disconnect();

      const got = inbox.received.map(({ topic: t, partition, message }) => ({
        topic: t,
        partition,
        offset: message.offset,
        timestamp: message.timestamp,
        key: message.key,
        value: message.value,
        headers: message.headers,
      }));
      const onPartition = (p: number) => got.filter((m) => m.partition === p);
      expect(got).toHaveLength(5);
      expect(onPartition(0)).toEqual([
        {
          topic,
          partition: 0,
          offset: '0',
          timestamp: '1700000000000',
          key: Buffer.from('user-1'),
          value: Buffer.from('first'),
          headers: { 'trace-id': Buffer.from('a1'), bin: Buffer.from([0x00, 0xff, 0x10]) },
        },
        {
          topic,
          partition: 0,
          offset: '1',
          timestamp: '1700000000001',
          key: Buffer.from([0xde, 0xad]),
          value: Buffer.from([0x00, 0x01, 0xfe, 0xff]),
          headers: { multi: [Buffer.from('x'), Buffer.from('y')] },
        },
        {
          topic,
          partition: 0,
          offset: '2',
          timestamp: '1700000000002',
          key: Buffer.from('user-1'),
          value: Buffer.from(LARGE_VALUE),
          headers: {},
        },
      ]);
      expect(onPartition(1)).toEqual([
        {
          topic,
          partition: 1,
          offset: '0',
          timestamp: '1700000000003',
          key: Buffer.from('user-2'),
          value: Buffer.from('grüße ✓'),
          headers: { 'content-type': Buffer.from('text/plain') },
        },
        {
          topic,
          partition: 1,
          offset: '1',
          timestamp: '1700000000004',
          key: Buffer.from('user-2'),
          value: null,
          headers: {},
        },
      ]);
    },
  );
});

describe('kafkajs protocol versions', () => {
  // Kafka 4.0 dropped old request versions (KIP-896). kafkajs picks, per API, the highest version
  // both sides support, so it keeps working as long as its own maximum is still served.
  it('negotiates, for every request it sends, a version the broker still serves', async () => {
    const { kafka, requests, brokerRanges } = recordingKafka('compat-protocol');
    const topic = uniqueName('compat-protocol');
    const groupId = uniqueName('compat-protocol');

    const admin = await open(kafka.admin());
    await admin.createTopics({ topics: [{ topic }], waitForLeaders: true });
    const producer = await open(
      kafka.producer({
        transactionalId: uniqueName('compat-protocol'),
        idempotent: true,
        maxInFlightRequests: 1,
      }),
    );
    const first = await producer.transaction();
    await first.send({ topic, messages: [{ partition: 0, key: 'k', value: 'v0' }] });
    await first.commit();

    const consumer = await open(kafka.consumer({ groupId, maxWaitTimeInMs: 100, readUncommitted: false }));
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const inbox = await startCollecting(consumer);
    expect((await inbox.waitFor(1)).map((r) => r.message.offset)).toEqual(['0']);
    // The commit marker is written after EndTxn returns; a read_committed fetch of the record
    // proves it is there, so the log now ends after exactly the record and its marker.
    expect(await admin.fetchTopicOffsets(topic)).toEqual([
      { partition: 0, offset: '2', high: '2', low: '0' },
    ]);
    await consumer.commitOffsets([{ topic, partition: 0, offset: '1' }]);
    await consumer.disconnect();
    expect(await admin.fetchOffsets({ groupId, topics: [topic] })).toEqual([
      { topic, partitions: [{ partition: 0, offset: '1', metadata: null }] },
    ]);

    // sendOffsets only after the group has been used: on a fresh Kafka 4 broker kafkajs's
    // sendOffsets gives up while the group coordinator is loading (docs/compatibility.md).
    const second = await producer.transaction();
    await second.send({ topic, messages: [{ partition: 0, key: 'k', value: 'v2' }] });
    await second.sendOffsets({
      consumerGroupId: groupId,
      topics: [{ topic, partitions: [{ partition: 0, offset: '3' }] }],
    });
    await second.commit();
    await admin.deleteTopics({ topics: [topic] });

    const used = new Map<string, Set<number>>();
    for (const { api, version } of requests) used.set(api, (used.get(api) ?? new Set()).add(version));
    const versionsByApi = Object.fromEntries(
      [...used].map(([api, versions]) => [api, [...versions].sort((a, b) => a - b)]),
    );
    // kafkajs calls FindCoordinator "GroupCoordinator".
    expect(versionsByApi).toMatchObject({
      ApiVersions: [2],
      Metadata: [6],
      CreateTopics: [3],
      DeleteTopics: [1],
      InitProducerId: [1],
      GroupCoordinator: [2],
      AddPartitionsToTxn: [1],
      Produce: [7],
      AddOffsetsToTxn: [1],
      TxnOffsetCommit: [1],
      EndTxn: [1],
      JoinGroup: [5],
      SyncGroup: [3],
      OffsetFetch: [4],
      ListOffsets: [3],
      Fetch: [11],
      OffsetCommit: [5],
      LeaveGroup: [3],
    });
    const outOfRange = requests
      .filter(({ key, version }) => {
        const range = brokerRanges.get(key);
        return !range || version < range.min || version > range.max;
      })
      .map(({ api, version }) => `${api} v${version}`);
    expect(brokerRanges.size).toBeGreaterThan(0);
    expect(outOfRange).toEqual([]);
  });
});
