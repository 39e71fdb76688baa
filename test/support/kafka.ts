import { randomUUID } from 'node:crypto';
import { type Admin, Kafka, logLevel, type Producer } from 'kafkajs';
import { afterAll, beforeAll, inject } from 'vitest';

/** Bootstrap address of the broker the global setup provides. */
export function testBrokers(): string[] {
  return inject('kafkaBrokers').split(',');
}

/** A kafkajs client on the test broker; quiet, because tests assert instead of reading logs. */
export function testKafka(clientId = 'sluice-test'): Kafka {
  return new Kafka({ clientId, brokers: testBrokers(), logLevel: logLevel.NOTHING });
}

/** The variables of a `sluice run` that reads `topic` as `groupId` to its end and exits. */
export function availableNowEnv(topic: string, groupId: string): Record<string, string> {
  return {
    SLUICE_BROKERS: testBrokers().join(','),
    SLUICE_TOPICS: topic,
    SLUICE_GROUP_ID: groupId,
    SLUICE_TRIGGER: 'available-now',
  };
}

/** Topic and group names unique per call, so test files never see each other's data. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export type SharedClients = { readonly admin: Admin; readonly producer: Producer };

/**
 * An admin and a producer connected before the file's tests and disconnected after them.
 * Read the fields inside tests (they exist once `beforeAll` ran).
 */
export function sharedClients(clientId: string): SharedClients {
  const clients = {} as { admin: Admin; producer: Producer };
  beforeAll(async () => {
    const kafka = testKafka(clientId);
    clients.admin = kafka.admin();
    clients.producer = kafka.producer();
    await clients.admin.connect();
    await clients.producer.connect();
  });
  afterAll(async () => {
    await clients.producer?.disconnect();
    await clients.admin?.disconnect();
  });
  return clients;
}

/**
 * A group's committed offsets of a topic, by partition. A fresh broker's group coordinator may
 * still be loading (NOT_COORDINATOR): ask again, briefly.
 */
export async function committedOffsets(admin: Admin, groupId: string, topic: string): Promise<string[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      const entries = await admin.fetchOffsets({ groupId, topics: [topic] });
      const partitions = entries[0]?.partitions ?? [];
      return partitions.sort((a, b) => a.partition - b.partition).map((p) => p.offset);
    } catch (error) {
      if (attempt >= 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}
