import { ConfigError, loadConfig } from '../../src/config/index.ts';

/** The problem lines of the ConfigError `env` gives; fails the test when it gives none. */
export function configProblems(env: Record<string, string>, cpus = 2): readonly string[] {
  try {
    loadConfig(env, { cpus });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}
