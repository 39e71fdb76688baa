import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Jobs and examples import Sluice by its package name, as users' jobs do: here, its sources.
const resolve = {
  alias: [
    { find: /^sluice$/, replacement: fileURLToPath(new URL('./src/api/index.ts', import.meta.url)) },
    {
      find: /^sluice\/testing$/,
      replacement: fileURLToPath(new URL('./src/testing/index.ts', import.meta.url)),
    },
  ],
};

// Two projects: unit tests need nothing; integration tests (`*.int.test.ts`) get a real Kafka
// broker and a real PostgreSQL from the global setups (started here, or the ones named by
// SLUICE_TEST_BROKERS and SLUICE_TEST_PG).
export default defineConfig({
  test: {
    projects: [
      {
        resolve,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/**/*.int.test.ts'],
          // A hang guard, not a speed limit: a few unit tests start `sluice` processes, which take
          // seconds on two loaded cores (vitest's 5 s default failed there under a CPU hog).
          testTimeout: 30_000,
          // Unit test files share no state they do not reset; reusing workers spares ~200 ms of
          // start per file, CPU the integration files running beside them need.
          isolate: false,
        },
      },
      {
        resolve,
        test: {
          name: 'integration',
          include: ['test/**/*.int.test.ts'],
          globalSetup: ['test/support/kafka-global-setup.ts', 'test/support/postgres-global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // One broker on two cores: test files running side by side only fight over it.
          fileParallelism: false,
          // kafkajs 2.2.4 passes a negative delay to setTimeout (tulios/kafkajs#1751), harmlessly;
          // Node 24 warns once per process (src/kafka/timeout-warning.ts filters it where Sluice runs).
          execArgv: ['--disable-warning=TimeoutNegativeWarning'],
        },
      },
    ],
  },
});
