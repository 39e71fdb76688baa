import { homedir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, SluiceError } from '../../src/errors/index.ts';

/** The Kafka release tests and local runs use; override with SLUICE_KAFKA_VERSION. */
export const DEFAULT_KAFKA_VERSION = '4.3.1';

export function kafkaVersion(env: NodeJS.ProcessEnv = process.env): string {
  const version = env.SLUICE_KAFKA_VERSION ?? DEFAULT_KAFKA_VERSION;
  if (!/^[34]\.\d+\.\d+$/.test(version)) {
    throw new SluiceError(
      ErrorCode.configInvalid,
      `SLUICE_KAFKA_VERSION must look like 4.3.1 (a 3.x or 4.x release); got "${version}"`,
    );
  }
  return version;
}

/** Jars live outside the checkout so every clone on the machine shares one download. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.SLUICE_CACHE_DIR ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'sluice');
  return base;
}
