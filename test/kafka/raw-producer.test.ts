// The raw producer against a scripted cluster: which batches each Produce request carries, in
// which order, and what a broker's error makes of the send.
import { describe, expect, it } from 'vitest';
import { isSluiceError } from '../../src/errors/index.ts';
import type {
  KafkaCluster,
  ProduceRequest,
  ProduceResponse,
} from '../../src/kafka/consumer/kafka-cluster.ts';
import { readProduceResponse } from '../../src/kafka/consumer/kafka-cluster.ts';
import { RawProducer } from '../../src/kafka/index.ts';

type Sent = { node: string; partitions: [number, string][] };

/** A cluster whose leaders and answers the test sets; batches are named by their one byte. */
function cluster(
  leaders: Record<string, number[]>,
  answers: ((request: ProduceRequest) => ProduceResponse)[] = [],
) {
  const sent: Sent[] = [];
  const refreshes: string[][] = [];
  const fake: KafkaCluster = {
    disconnect: async () => {},
    refreshMetadata: async (topics) => void refreshes.push([...topics]),
    leaders: (_topic, partitions) =>
      Object.fromEntries(
        Object.entries(leaders).map(([node, led]) => [node, led.filter((p) => partitions.includes(p))]),
      ),
    features: async () => {
      throw new Error('the producer asks for no features');
    },
    fetch: async () => {
      throw new Error('the producer fetches nothing');
    },
    produce: async (node, request) => {
      sent.push({
        node,
        partitions: request.partitions.map(([p, batch]) => [p, String.fromCharCode(...batch)]),
      });
      expect(request).toMatchObject({ topic: 'out', acks: -1, timeoutMs: 30_000 });
      const answer = answers.shift();
      return answer
        ? answer(request)
        : request.partitions.map(([partition]) => ({ partition, errorCode: 0 }));
    },
  };
  return { fake, sent, refreshes };
}

const batch = (name: string, size = 1): Uint8Array => new Uint8Array(size).fill(name.charCodeAt(0));

describe('RawProducer', () => {
  it("sends each leader one batch per partition per request, a partition's batches in order", async () => {
    const { fake, sent, refreshes } = cluster({ '1': [0, 2], '2': [1] });
    const producer = new RawProducer(fake, { maxRequestBytes: 1024 });
    await producer.send('out', [
      [0, batch('a')],
      [1, batch('b')],
      [0, batch('c')],
      [2, batch('d')],
      [0, batch('e')],
      [1, batch('f')],
    ]);
    expect(refreshes).toEqual([['out']]);
    const toNode = (node: string) => sent.filter((request) => request.node === node).map((r) => r.partitions);
    expect(toNode('1')).toEqual([
      [
        [0, 'a'],
        [2, 'd'],
      ],
      [[0, 'c']],
      [[0, 'e']],
    ]);
    expect(toNode('2')).toEqual([[[1, 'b']], [[1, 'f']]]);
    // Metadata once per topic.
    await producer.send('out', [[0, batch('g')]]);
    expect(refreshes).toEqual([['out']]);
  });

  it('keeps a request within maxRequestBytes, but always sends at least one batch', async () => {
    const { fake, sent } = cluster({ '1': [0, 1, 2] });
    await new RawProducer(fake, { maxRequestBytes: 10 }).send('out', [
      [0, batch('a', 6)],
      [1, batch('b', 4)],
      [2, batch('c', 20)],
    ]);
    expect(sent.map((request) => request.partitions.map(([p, bytes]) => [p, bytes.length]))).toEqual([
      [
        [0, 6],
        [1, 4],
      ],
      [[2, 20]],
    ]);
  });

  it('fails a retriable error as SLUICE_SINK after looking the leaders up again, and stops sending', async () => {
    const { fake, sent, refreshes } = cluster({ '1': [0] }, [
      () => [{ partition: 0, errorCode: 6 }], // NOT_LEADER_OR_FOLLOWER
    ]);
    const failure = await new RawProducer(fake, { maxRequestBytes: 1 })
      .send('out', [
        [0, batch('a')],
        [0, batch('b')],
      ])
      .catch((error: unknown) => error);
    expect(isSluiceError(failure, 'SLUICE_SINK')).toBe(true);
    expect((failure as Error).message).toBe(
      'producing to out-0 (request 1 to its leader) failed: NOT_LEADER_OR_FOLLOWER',
    );
    expect(refreshes).toEqual([['out'], ['out']]);
    expect(sent).toHaveLength(1);
  });

  it('fails what the broker refuses for good as SLUICE_SINK_REJECTED, which is not retried', async () => {
    const { fake } = cluster({ '1': [3] }, [() => [{ partition: 3, errorCode: 10 }]]); // MESSAGE_TOO_LARGE
    const failure = await new RawProducer(fake, { maxRequestBytes: 1 })
      .send('out', [[3, batch('a')]])
      .catch((error: unknown) => error);
    expect(isSluiceError(failure, 'SLUICE_SINK_REJECTED')).toBe(true);
    expect((failure as Error).message).toBe(
      'the broker refused the records for out-3 (request 1 to its leader): MESSAGE_TOO_LARGE',
    );
  });

  it('fails a partition without a known leader, after looking it up again', async () => {
    const { fake, sent, refreshes } = cluster({ '1': [0] });
    await expect(
      new RawProducer(fake, { maxRequestBytes: 1 }).send('out', [
        [0, batch('a')],
        [4, batch('b')],
      ]),
    ).rejects.toThrow('no leader is known for out-4');
    expect(refreshes).toEqual([['out'], ['out']]);
    expect(sent).toEqual([]);
  });
});

describe('readProduceResponse', () => {
  it("reads each partition's error code from a Produce v7 response", () => {
    const bytes = Buffer.alloc(4 + 2 + 3 + 4 + 2 * 34 + 4);
    let at = bytes.writeInt32BE(1, 0);
    at = bytes.writeInt16BE(3, at);
    at += bytes.write('out', at);
    at = bytes.writeInt32BE(2, at);
    for (const [partition, code] of [
      [5, 0],
      [7, 10],
    ] as const) {
      at = bytes.writeInt32BE(partition, at);
      at = bytes.writeInt16BE(code, at);
      at = bytes.writeBigInt64BE(42n, at);
      at = bytes.writeBigInt64BE(-1n, at);
      at = bytes.writeBigInt64BE(0n, at);
    }
    bytes.writeInt32BE(0, at);
    expect(readProduceResponse(bytes)).toEqual([
      { partition: 5, errorCode: 0 },
      { partition: 7, errorCode: 10 },
    ]);
  });
});
