import { Kafka, logLevel } from 'kafkajs';

/**
 * True when the broker at `bootstrap` answers a metadata request for cluster `clusterId`.
 * Checking the id keeps another broker that holds the port from passing for ours.
 */
export async function answersMetadata(bootstrap: string, clusterId: string): Promise<boolean> {
  const admin = new Kafka({
    clientId: 'sluice-local-kafka-probe',
    brokers: [bootstrap],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    requestTimeout: 2000,
    retry: { retries: 0 },
  }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.clusterId === clusterId && cluster.brokers.length > 0;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}
