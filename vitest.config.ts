import { defineConfig } from 'vitest/config';

// Two projects: unit tests need nothing; integration tests (`*.int.test.ts`) get a real Kafka
// broker from the global setup (started here, or the one named by SLUICE_TEST_BROKERS).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/**/*.int.test.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.int.test.ts'],
          globalSetup: ['test/support/kafka-global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // One broker on two cores: test files running side by side only fight over it.
          fileParallelism: false,
        },
      },
    ],
  },
});
