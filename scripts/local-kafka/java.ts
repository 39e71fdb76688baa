import { spawnSync } from 'node:child_process';
import { ErrorCode, SluiceError } from '../../src/errors/index.ts';

const MIN_JAVA = 17;

/** The broker of Kafka 4 needs Java 17; fail before formatting anything when it is absent. */
export function javaCommand(env: NodeJS.ProcessEnv = process.env): string {
  const java = env.JAVA_HOME ? `${env.JAVA_HOME}/bin/java` : 'java';
  const result = spawnSync(java, ['-version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    throw new SluiceError(
      ErrorCode.javaMissing,
      `the local Kafka broker needs Java >= ${MIN_JAVA}; "${java} -version" failed`,
      { cause: result.error },
    );
  }
  const match = /version "(\d+)/.exec(result.stderr);
  const major = match?.[1] ? Number(match[1]) : 0;
  if (major < MIN_JAVA) {
    throw new SluiceError(
      ErrorCode.javaMissing,
      `the local Kafka broker needs Java >= ${MIN_JAVA}; "${java}" is version ${major || 'unknown'}`,
    );
  }
  return java;
}
