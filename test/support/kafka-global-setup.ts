import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startBroker, stopBroker } from '../../scripts/local-kafka/index.ts';
import { ignoreKafkajsTimeoutWarning } from '../../src/kafka/index.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string;
    /** The broker's Kafka version (`4.3.1`); with SLUICE_TEST_BROKERS, SLUICE_TEST_KAFKA_VERSION's, else ''. */
    kafkaVersion: string;
  }
}

/**
 * Gives integration tests a real broker: the one in SLUICE_TEST_BROKERS when set,
 * otherwise a fresh single-node KRaft broker that lives as long as the test run.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const given = process.env.SLUICE_TEST_BROKERS;
  if (given) {
    project.provide('kafkaBrokers', given);
    project.provide('kafkaVersion', process.env.SLUICE_TEST_KAFKA_VERSION ?? '');
    return async () => {};
  }
  // This process waits for the broker with kafkajs (the test workers start with the flag instead).
  ignoreKafkajsTimeoutWarning();
  const dir = mkdtempSync(join(tmpdir(), 'sluice-test-kafka-'));
  const broker = await startBroker({ dir, log: (line) => console.log(`[kafka] ${line}`) });
  console.log(`[kafka] Kafka ${broker.version} for tests on ${broker.bootstrap}`);
  project.provide('kafkaBrokers', broker.bootstrap);
  project.provide('kafkaVersion', broker.version);
  return async () => {
    await stopBroker(dir);
    rmSync(dir, { recursive: true, force: true });
  };
}
