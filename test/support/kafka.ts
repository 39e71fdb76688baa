import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { inject } from 'vitest';

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
