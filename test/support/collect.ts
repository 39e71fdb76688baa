import type { Admin, Consumer, Kafka, KafkaMessage } from 'kafkajs';

/** One delivered message with the topic and partition it came from. */
export type Received = {
  readonly topic: string;
  readonly partition: number;
  readonly message: KafkaMessage;
};

export type Inbox = {
  /** Every message delivered so far, in delivery order; final once the consumer is disconnected. */
  readonly received: readonly Received[];
  /**
   * Resolves with the first `count` messages once that many arrived. Rejects when `timeoutMs`
   * passes first (naming how many did arrive) or when the consumer crashes for good.
   */
  waitFor(count: number, timeoutMs?: number): Promise<Received[]>;
};

type Waiter = {
  readonly count: number;
  readonly resolve: (messages: Received[]) => void;
  readonly reject: (error: Error) => void;
};

const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * Runs a subscribed consumer with auto-commit off and records what it delivers, so a test can
 * wait for an exact number of messages and then assert the complete list (after disconnecting,
 * `received` also shows any message beyond the expected ones).
 *
 * @example
 *   const inbox = await startCollecting(consumer);
 *   await inbox.waitFor(3);
 *   await consumer.disconnect();
 *   expect(inbox.received.map((r) => r.message.offset)).toEqual(['0', '1', '2']);
 */
export async function startCollecting(consumer: Consumer): Promise<Inbox> {
  const received: Received[] = [];
  let waiters: Waiter[] = [];
  let crash: Error | undefined;

  const settle = (): void => {
    waiters = waiters.filter((waiter) => {
      if (crash) waiter.reject(crash);
      else if (received.length >= waiter.count) waiter.resolve(received.slice(0, waiter.count));
      else return true;
      return false;
    });
  };

  // kafkajs restarts the consumer after a retriable crash; only a final one ends the wait.
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (payload.restart) return;
    crash = new Error(`consumer crashed after ${received.length} messages: ${payload.error.message}`, {
      cause: payload.error,
    });
    settle();
  });

  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ topic, partition, message }) => {
      received.push({ topic, partition, message });
      settle();
    },
  });

  return {
    received,
    waitFor(count, timeoutMs = DEFAULT_TIMEOUT_MS) {
      return new Promise<Received[]>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters = waiters.filter((waiter) => waiter.resolve !== done);
          reject(new Error(`expected ${count} messages within ${timeoutMs} ms; ${received.length} arrived`));
        }, timeoutMs);
        const done = (messages: Received[]): void => {
          clearTimeout(timer);
          resolve(messages);
        };
        const fail = (error: Error): void => {
          clearTimeout(timer);
          reject(error);
        };
        waiters.push({ count, resolve: done, reject: fail });
        settle();
      });
    },
  };
}

/**
 * Every message `topic` holds once its writer is done: exactly up to its end offsets, read by a
 * fresh group; final once disconnected, so a message beyond the end offsets would show up too.
 */
export async function readWholeTopic(
  admin: Admin,
  kafka: Kafka,
  topic: string,
  group: string,
): Promise<Received[]> {
  const offsets = await admin.fetchTopicOffsets(topic);
  const total = offsets.reduce((sum, offset) => sum + Number(offset.high) - Number(offset.low), 0);
  const consumer = kafka.consumer({ groupId: group });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let received: readonly Received[] = [];
  try {
    const inbox = await startCollecting(consumer);
    await inbox.waitFor(total);
    received = inbox.received;
  } finally {
    await consumer.disconnect();
  }
  return [...received];
}
