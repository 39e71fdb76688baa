import type { Admin, Producer } from 'kafkajs';
import { registerCodecs } from '../codecs/index.ts';
import { loadConfig, type SluiceConfig } from '../config/index.ts';
import { ErrorCode, SluiceError } from '../errors/index.ts';
import { createKafka, DirectSource, sendToDeadLetter } from '../kafka/index.ts';
import { createLogger } from '../log/index.ts';
import { type AppOptions, type Logger, startApp } from '../runtime/index.ts';

/**
 * `sluice run [job]`: runs until the source ends (available-now) or a signal arrives. The first
 * SIGTERM/SIGINT drains: no new batch, the one in flight finishes its outputs and commit, the
 * consumer leaves the group. A second signal, or the shutdown timeout, exits at once.
 */
export async function runCommand(args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const config = loadConfig(env);
  const log = createLogger(config.logLevel);
  // Before any Kafka client: kafkajs looks codecs up when a batch is sent or fetched.
  if (config.brokers) registerCodecs(log, config.native);
  const job = args[0];
  const clients: { admin?: Admin; producer?: Producer } = {};
  try {
    return await runApp(config, env, log, job, clients);
  } finally {
    // Also on a failed start: open Kafka connections would keep the process alive.
    await clients.producer?.disconnect();
    await clients.admin?.disconnect();
  }
}

async function runApp(
  config: SluiceConfig,
  env: NodeJS.ProcessEnv,
  log: Logger,
  job: string | undefined,
  clients: { admin?: Admin; producer?: Producer },
): Promise<number> {
  let kafka: AppOptions['kafka'];
  if (config.brokers) {
    const client = createKafka(config, log);
    const admin = client.admin();
    const producer = client.producer();
    clients.admin = admin;
    clients.producer = producer;
    const brokers = `Kafka brokers ${config.brokers.join(',')} (SLUICE_BROKERS)`;
    await admin.connect().catch((error: unknown) => {
      throw new SluiceError(ErrorCode.kafka, `cannot connect to ${brokers}: ${reasonOf(error)}`, {
        cause: error,
      });
    });
    await producer.connect().catch((error: unknown) => {
      throw new SluiceError(ErrorCode.kafka, `cannot connect a producer to ${brokers}: ${reasonOf(error)}`, {
        cause: error,
      });
    });
    const dlqTopic = config.dlqTopic;
    kafka = {
      outputs: { admin, producer },
      client,
      source: async (slots, restore) => {
        const source = new DirectSource({
          kafka: client,
          admin,
          config,
          log,
          bounded: config.trigger === 'available-now',
          onRevoked: (topic, partition) => slots.release(topic, partition),
          ...(restore ? { restore } : {}),
        });
        await source.start();
        return source;
      },
      ...((config.onDecodeError === 'dlq' || config.onLateRecord === 'dlq') && dlqTopic
        ? { deadLetter: (failures) => sendToDeadLetter(producer, dlqTopic, failures) }
        : {}),
    };
  }

  const app = await startApp({ config, env, log, ...(job ? { job } : {}), ...(kafka ? { kafka } : {}) });
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++;
    if (signals > 1) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(130);
    }
    log.info({ signal }, 'draining: finishing the batch in flight, then committing and leaving the group');
    app.stop();
    setTimeout(() => {
      log.error(
        { timeoutMs: config.shutdownTimeoutMs },
        'shutdown took longer than SLUICE_SHUTDOWN_TIMEOUT_MS',
      );
      process.exit(1);
    }, config.shutdownTimeoutMs).unref();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    const summary = await app.done;
    log.info({ ...summary }, 'sluice finished');
    return 0;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
