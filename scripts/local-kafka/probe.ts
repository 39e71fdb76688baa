import { Kafka, logLevel } from 'kafkajs';

/** True when the broker answers a metadata request (and so has finished starting). */
export async function answersMetadata(bootstrap: string): Promise<boolean> {
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
    return cluster.brokers.length > 0;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}
