// What `sluice topics`, `lag` and `tail` share: SLUICE_BROKERS and the client settings of
// `sluice run` (createKafka), kafkajs' own lines on stderr, and Kafka failures as SLUICE_KAFKA
// errors naming the brokers.

import type { Admin, Kafka } from 'kafkajs';
import { registerCodecs } from '../codecs/index.ts';
import { loadConfig, type SluiceConfig } from '../config/index.ts';
import type { Logger } from '../core/index.ts';
import { ErrorCode, isSluiceError, SluiceError } from '../errors/index.ts';
import { createKafka, kafkaFailureReason } from '../kafka/index.ts';
import { UsageError } from './args.ts';

// An operator waits for the answer: two retries (about a second for a refused connection) and a
// 3 s connection timeout rather than kafkajs' five retries, as `sluice produce` does.
export const TOOL_RETRY = { retries: 2 } as const;
const CONNECTION_TIMEOUT_MS = 3000;

export type ToolClient = {
  readonly kafka: Kafka;
  readonly config: SluiceConfig;
  /** `Kafka brokers a:1,b:2 (SLUICE_BROKERS)`, for messages. */
  readonly on: string;
  /** A SLUICE_KAFKA error saying what failed on which brokers, with kafkajs' reason. */
  failed(what: string, error: unknown): SluiceError;
  /** Why kafkajs failed, in terms of the security variables, secrets cut out. */
  reason(error: unknown): string;
};

/**
 * The configuration `sluice run` would load from `env`, for a tool that needs Kafka. Throws
 * `SLUICE_USAGE` when SLUICE_BROKERS is unset and `SLUICE_CONFIG_INVALID` for a bad variable.
 */
export function toolConfig(command: string, env: NodeJS.ProcessEnv): SluiceConfig {
  if ((env.SLUICE_BROKERS?.trim() ?? '') === '') {
    throw new UsageError([`SLUICE_BROKERS is required for sluice ${command}`]);
  }
  // The tools read no input topics, but the configuration insists on SLUICE_TOPICS beside
  // SLUICE_BROKERS (for `run`); one set by the user is still checked.
  const topics = env.SLUICE_TOPICS?.trim() ? env.SLUICE_TOPICS : 'unused';
  return loadConfig({ ...env, SLUICE_TOPICS: topics });
}

/** A kafkajs client for `sluice <command>` over the brokers and client settings of `env`. */
export function toolClient(command: string, env: NodeJS.ProcessEnv): ToolClient {
  const config = toolConfig(command, env);
  // stdout carries only the answer; say which codecs run only when a native addon did not load.
  registerCodecs({ info() {}, warn: (_, message) => process.stderr.write(`${message}\n`) }, config.native);
  const on = `Kafka brokers ${(config.brokers ?? []).join(',')} (SLUICE_BROKERS)`;
  const reason = (error: unknown): string => kafkaFailureReason(error, config);
  return {
    kafka: createKafka(config, stderrLogger(config.logLevel), {
      connectionTimeout: CONNECTION_TIMEOUT_MS,
      retry: TOOL_RETRY,
    }),
    config,
    on,
    reason,
    failed: (what, error) =>
      isSluiceError(error)
        ? error
        : new SluiceError(ErrorCode.kafka, `${what} on ${on}: ${reason(error)}`, { cause: error }),
  };
}

/**
 * Connects an admin client, runs `work`, disconnects. Any failure that is not already a
 * SluiceError becomes SLUICE_KAFKA, saying what was being done (`doing`) on which brokers.
 */
export async function withAdmin<T>(
  client: ToolClient,
  doing: string,
  work: (admin: Admin) => Promise<T>,
): Promise<T> {
  const admin = client.kafka.admin();
  try {
    await admin.connect().catch((error: unknown) => {
      throw new SluiceError(ErrorCode.kafka, `cannot connect to ${client.on}: ${client.reason(error)}`, {
        cause: error,
      });
    });
    return await work(admin).catch((error: unknown) => {
      throw client.failed(doing, error);
    });
  } finally {
    await admin.disconnect();
  }
}

/** Throws SLUICE_KAFKA when `topic` does not exist: kafkajs' own answer is an opaque retry error. */
export async function requireTopic(client: ToolClient, admin: Admin, topic: string): Promise<void> {
  if (!(await admin.listTopics()).includes(topic)) {
    throw new SluiceError(ErrorCode.kafka, `topic "${topic}" does not exist on ${client.on}`);
  }
}

/**
 * Warnings and errors as one line each on stderr (stdout carries only the answer). kafkajs' own
 * lines only at SLUICE_LOG_LEVEL=debug or trace: a failure it gives up on is reported once, as
 * SLUICE_KAFKA with kafkajs' reason, instead of a line per retry before it.
 */
function stderrLogger(level: SluiceConfig['logLevel']): Logger {
  const chatty = level === 'debug' || level === 'trace';
  const write = (label: string, object: object, message: string): void => {
    const entry = 'kafkajs' in object ? object.kafkajs : undefined;
    if (entry !== undefined && !chatty) return;
    const broker =
      typeof entry === 'object' && entry !== null && 'broker' in entry && typeof entry.broker === 'string'
        ? ` (broker ${entry.broker})`
        : '';
    process.stderr.write(`${entry === undefined ? 'sluice' : 'kafkajs'} ${label}: ${message}${broker}\n`);
  };
  return {
    info() {},
    debug() {},
    warn: (object, message) => write('warn', object, message),
    error: (object, message) => write('error', object, message),
  };
}
