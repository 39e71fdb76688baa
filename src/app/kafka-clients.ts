// The run's Kafka clients: connected before the job loads, given up on a stop, closed together.
import type { Admin, Kafka, Producer } from 'kafkajs';
import type { SluiceConfig } from '../config/index.ts';
import type { Logger } from '../core/index.ts';
import { ErrorCode, SluiceError } from '../errors/index.ts';
import { createKafka, DeadLetterWriter, kafkaFailureReason, kafkaRetry } from '../kafka/index.ts';
import type { DecodeFailure } from '../task/index.ts';

/** The start was given up on a stop request, before the run began. */
export class StartStopped extends Error {
  constructor() {
    super('stopped during start-up');
    this.name = 'StartStopped';
  }
}

/** The connected clients of a run on SLUICE_BROKERS. */
export type KafkaClients = {
  readonly client: Kafka;
  readonly admin: Admin;
  readonly producer: Producer;
  /** Disconnects the producer, then the admin client. */
  close(): Promise<void>;
};

/**
 * The dead letter writer, started, when something sends records to SLUICE_DLQ_TOPIC: the decode
 * or late-record policy, or the job's mapAsync/filterAsync with `onError: 'dlq'` (`calls`).
 */
export async function startDeadLetters(
  kafka: KafkaClients,
  config: SluiceConfig,
  log: Logger,
  calls: boolean,
): Promise<((failures: readonly DecodeFailure[]) => Promise<void>) | undefined> {
  const topic = config.dlqTopic;
  const wanted = config.onDecodeError === 'dlq' || config.onLateRecord === 'dlq' || calls;
  if (!wanted || !topic) return undefined;
  const writer = new DeadLetterWriter({
    admin: kafka.admin,
    producer: kafka.producer,
    topic,
    retry: kafkaRetry(config, log),
    log,
  });
  await writer.start();
  return (failures) => writer.write(failures);
}

/**
 * Connects the admin client and the producer. Once `signal`
 * aborts, connecting is given up with `StartStopped`. A failed start closes what it connected:
 * open Kafka connections would keep the process alive.
 */
export async function connectKafka(
  config: SluiceConfig,
  brokerList: readonly string[],
  log: Logger,
  signal?: AbortSignal,
): Promise<KafkaClients> {
  const client = createKafka(config, log);
  const brokers = `Kafka brokers ${brokerList.join(',')} (SLUICE_BROKERS)`;
  const connected: { admin?: Admin; producer?: Producer } = {};
  const close = async (): Promise<void> => {
    await connected.producer?.disconnect();
    await connected.admin?.disconnect();
  };
  try {
    const admin = await connectClient(
      client.admin(),
      signal,
      (error) => `cannot connect to ${brokers}: ${kafkaFailureReason(error, config)}`,
    );
    connected.admin = admin;
    const producer = await connectClient(
      client.producer(),
      signal,
      (error) => `cannot connect a producer to ${brokers}: ${kafkaFailureReason(error, config)}`,
    );
    connected.producer = producer;
    return {
      client,
      admin,
      producer,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * Connects a Kafka client. A failed connect closes it and throws `SLUICE_KAFKA` with `reason`; a
 * stop gives it up at once, its close going on unawaited (a broker that does not answer would
 * hold it).
 */
async function connectClient<C extends Admin | Producer>(
  client: C,
  signal: AbortSignal | undefined,
  reason: (error: unknown) => string,
): Promise<C> {
  try {
    await untilAborted(client.connect(), signal);
    return client;
  } catch (error) {
    if (error instanceof StartStopped) {
      void client.disconnect().catch(() => {});
      throw error;
    }
    await client.disconnect().catch(() => {});
    throw new SluiceError(ErrorCode.kafka, reason(error), { cause: error });
  }
}

/** Rejects with `StartStopped` once `signal` aborts; `step` goes on unobserved. */
function untilAborted<T>(step: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return step;
  step.catch(() => {});
  if (signal.aborted) return Promise.reject(new StartStopped());
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new StartStopped());
    signal.addEventListener('abort', onAbort, { once: true });
    step.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
