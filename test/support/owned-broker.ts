import { rmSync } from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll } from 'vitest';
import { type BrokerState, startBroker, stopBroker } from '../../scripts/local-kafka/index.ts';

export type OwnedBroker = {
  /** `127.0.0.1:<port>`; the same after a restart (the formatted folder keeps its ports). */
  bootstrap(): string;
  /** A quiet kafkajs client on this broker. */
  kafka(clientId: string): Kafka;
  /** Starts the broker again from its folder (same ports, same log dir); a running one is kept. */
  start(): Promise<BrokerState>;
  /** SIGTERM: a controlled shutdown, as a rolling restart does. */
  stop(): Promise<void>;
};

/**
 * A broker of the test file's own, in `dir`, started before its tests and removed after them:
 * for tests that stop and start it, which the shared broker of the other test files must not see.
 */
export function ownedBroker(dir: string): OwnedBroker {
  let state: BrokerState | undefined;
  const start = async (): Promise<BrokerState> => {
    state = await startBroker({ dir });
    return state;
  };
  beforeAll(start, 120_000);
  afterAll(async () => {
    await stopBroker(dir);
    rmSync(dir, { recursive: true, force: true });
  });
  const bootstrap = (): string => {
    if (!state) throw new Error('the owned broker has not started');
    return state.bootstrap;
  };
  return {
    bootstrap,
    kafka: (clientId) => new Kafka({ clientId, brokers: [bootstrap()], logLevel: logLevel.NOTHING }),
    start,
    stop: async () => {
      await stopBroker(dir);
    },
  };
}
