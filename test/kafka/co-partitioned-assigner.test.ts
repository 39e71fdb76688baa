import { AssignerProtocol, type Cluster } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { isSluiceError } from '../../src/errors/index.ts';
import { coPartitionedAssigner, coPartitionedAssignment } from '../../src/kafka/index.ts';

const topics = (count: number, ...names: string[]) => new Map(names.map((name) => [name, count]));

describe('coPartitionedAssignment', () => {
  it('one member gets every partition of every topic', () => {
    expect(coPartitionedAssignment(['m1'], topics(3, 'in', 'g-updateStateByKey-2-repartition'))).toEqual({
      m1: { 'g-updateStateByKey-2-repartition': [0, 1, 2], in: [0, 1, 2] },
    });
  });

  it('two members: the numbers dealt round-robin by member id, the same numbers of each topic', () => {
    expect(coPartitionedAssignment(['m2', 'm1'], topics(6, 'in', 'rep'))).toEqual({
      m1: { in: [0, 2, 4], rep: [0, 2, 4] },
      m2: { in: [1, 3, 5], rep: [1, 3, 5] },
    });
  });

  it('three members over six partitions of three topics', () => {
    expect(coPartitionedAssignment(['c', 'a', 'b'], topics(6, 'in', 'rep-a', 'rep-b'))).toEqual({
      a: { in: [0, 3], 'rep-a': [0, 3], 'rep-b': [0, 3] },
      b: { in: [1, 4], 'rep-a': [1, 4], 'rep-b': [1, 4] },
      c: { in: [2, 5], 'rep-a': [2, 5], 'rep-b': [2, 5] },
    });
  });

  it('more members than partitions: the last ones get nothing', () => {
    expect(coPartitionedAssignment(['a', 'b', 'c'], topics(2, 'in', 'rep'))).toEqual({
      a: { in: [0], rep: [0] },
      b: { in: [1], rep: [1] },
      c: {},
    });
  });

  it('topics with different partition counts fail with SLUICE_REPARTITION naming each count', () => {
    const error = (() => {
      try {
        return coPartitionedAssignment(
          ['a', 'b'],
          new Map([
            ['in', 6],
            ['rep', 3],
          ]),
        );
      } catch (caught) {
        return caught;
      }
    })();
    expect(isSluiceError(error, 'SLUICE_REPARTITION')).toBe(true);
    expect((error as Error).message).toBe(
      'co-partitioned assignment needs every subscribed topic to have the same number of partitions (partition q of each goes to one instance); got in: 6, rep: 3',
    );
  });
});

describe('coPartitionedAssigner (kafkajs)', () => {
  const cluster = {
    findTopicPartitionMetadata: (topic: string) =>
      Array.from({ length: topic === 'odd' ? 2 : 3 }, (_, partitionId) => ({ partitionId })),
  } as unknown as Cluster;
  const assigner = coPartitionedAssigner({ cluster, groupId: 'g', logger: undefined as never });
  const members = ['m-b', 'm-a'].map((memberId) => ({ memberId, memberMetadata: Buffer.alloc(0) }));

  it('encodes each member assignment from the metadata partition counts', async () => {
    const assigned = await assigner.assign({ members, topics: ['in', 'rep'] });
    const decoded = Object.fromEntries(
      assigned.map(({ memberId, memberAssignment }) => [
        memberId,
        AssignerProtocol.MemberAssignment.decode(memberAssignment)?.assignment,
      ]),
    );
    expect(decoded).toEqual({ 'm-a': { in: [0, 2], rep: [0, 2] }, 'm-b': { in: [1], rep: [1] } });
  });

  it('refuses topics whose counts differ', async () => {
    await expect(assigner.assign({ members, topics: ['in', 'odd'] })).rejects.toThrow('got in: 3, odd: 2');
  });

  it('names its protocol and lists the subscribed topics in its metadata', () => {
    const { name, metadata } = assigner.protocol({ topics: ['in', 'rep'] });
    expect(name).toBe('SluiceCoPartitioned');
    expect(AssignerProtocol.MemberMetadata.decode(metadata)?.topics).toEqual(['in', 'rep']);
  });
});
