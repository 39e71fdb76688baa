import { Kafka, type LogEntry, logLevel } from 'kafkajs';
import type { SluiceConfig } from '../config/index.ts';
import type { Logger } from '../runtime/logger.ts';

/** kafkajs logs through ours, at warn and above: its info level narrates every group join. */
export function createKafka(config: SluiceConfig, log: Logger, brokers?: readonly string[]): Kafka {
  const list = brokers ?? config.brokers ?? [];
  return new Kafka({
    clientId: config.clientId,
    brokers: [...list],
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log: entry }: LogEntry) => {
        const { message, ...rest } = entry;
        // kafkajs logs every error response at ERROR, retriable ones too (a coordinator still
        // loading); what is fatal reaches us as a consumer crash.
        const retriable = message.startsWith('Response ') || message.startsWith('Restarting the consumer');
        if (level <= logLevel.ERROR && !retriable) log.error({ kafkajs: rest }, message);
        else log.warn({ kafkajs: rest }, message);
      },
  });
}
