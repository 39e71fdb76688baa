// A group assigner giving partition q of every input and repartition topic to the same member.

import { AssignerProtocol, type PartitionAssigner } from 'kafkajs';
import { ErrorCode, SluiceError } from '../errors/index.ts';

/** Per member, per topic, the partitions it gets. */
export type CoAssignment = Record<string, Record<string, number[]>>;

export const CO_PARTITIONED_ASSIGNER = 'SluiceCoPartitioned';

/**
 * Kafka Streams' co-partitioning as a group assignment: the partition numbers 0..N-1 are dealt
 * to the members (sorted by id) round-robin, and each member gets its numbers of every topic.
 * So whoever owns input partition q also owns repartition partition q, and state partition q
 * sees every value of its keys. Every topic must have N partitions.
 *
 * @example
 * coPartitionedAssignment(['a', 'b'], new Map([['in', 3], ['in-repartition', 3]]))
 * // { a: { in: [0, 2], 'in-repartition': [0, 2] }, b: { in: [1], 'in-repartition': [1] } }
 */
export function coPartitionedAssignment(
  members: readonly string[],
  partitionsPerTopic: ReadonlyMap<string, number>,
): CoAssignment {
  const counts = [...partitionsPerTopic].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const [first] = counts;
  const sorted = [...members].sort();
  const out: CoAssignment = {};
  for (const member of sorted) out[member] = {};
  if (!first || sorted.length === 0) return out;
  if (counts.some(([, count]) => count !== first[1])) {
    throw new SluiceError(
      ErrorCode.repartition,
      `co-partitioned assignment needs every subscribed topic to have the same number of partitions (partition q of each goes to one instance); got ${counts.map(([topic, count]) => `${topic}: ${count}`).join(', ')}`,
    );
  }
  for (let partition = 0; partition < first[1]; partition++) {
    const member = sorted[partition % sorted.length] as string;
    const topics = out[member] as Record<string, number[]>;
    for (const [topic] of counts) {
      const list = topics[topic] ?? [];
      list.push(partition);
      topics[topic] = list;
    }
  }
  return out;
}

/** The kafkajs assigner of `coPartitionedAssignment`, over the partition counts in the metadata. */
export const coPartitionedAssigner: PartitionAssigner = ({ cluster }) => ({
  name: CO_PARTITIONED_ASSIGNER,
  version: 0,
  async assign({ members, topics }) {
    const counts = new Map(topics.map((topic) => [topic, cluster.findTopicPartitionMetadata(topic).length]));
    const assignment = coPartitionedAssignment(
      members.map(({ memberId }) => memberId),
      counts,
    );
    return Object.entries(assignment).map(([memberId, topicPartitions]) => ({
      memberId,
      memberAssignment: AssignerProtocol.MemberAssignment.encode({
        version: 0,
        assignment: topicPartitions,
        userData: Buffer.alloc(0),
      }),
    }));
  },
  protocol({ topics }) {
    return {
      name: CO_PARTITIONED_ASSIGNER,
      metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: Buffer.alloc(0) }),
    };
  },
});
