// The cluster as the dashboard's header shows it: its id, brokers, and the release they run.

import type { Admin, Kafka } from 'kafkajs';
import { errorText } from '../errors/index.ts';
import { type KafkaRelease, kafkaRelease } from './broker-release.ts';
import { type ClientSoftware, kafkaCluster } from './consumer/kafka-cluster.ts';

export type KafkaClusterInfo = KafkaRelease & {
  readonly clusterId: string;
  readonly brokers: number;
  /** Why the release is not known (the broker's answer, a failed request); absent when it is. */
  readonly releaseProblem?: string;
};

/**
 * Describes the cluster (DescribeCluster) and asks its first broker for its features
 * (ApiVersions v3), on a connection of its own that it closes. A failure of the second leaves the
 * release unknown with the reason; one of the first is thrown.
 */
export async function describeKafka(
  client: Kafka,
  admin: Admin,
  software: ClientSoftware,
): Promise<KafkaClusterInfo> {
  const { clusterId, brokers } = await admin.describeCluster();
  const described = { clusterId, brokers: brokers.length };
  const first = brokers[0];
  if (!first)
    return { ...described, release: null, metadataVersion: null, releaseProblem: 'no broker listed' };
  const cluster = kafkaCluster(client);
  try {
    await cluster.refreshMetadata([]);
    return { ...described, ...kafkaRelease(await cluster.features(String(first.nodeId), software)) };
  } catch (error) {
    return { ...described, release: null, metadataVersion: null, releaseProblem: errorText(error) };
  } finally {
    await cluster.disconnect().catch(() => {});
  }
}
