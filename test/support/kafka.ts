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
