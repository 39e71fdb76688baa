/**
 * The baseline for bench/kafka-path.ts: a plain kafkajs `eachBatch` consumer in one thread
 * doing the aggregate job's work — JSON.parse every value, count by `url` in a Map — until it
 * has consumed the expected number of records. Run as a child process, like Sluice:
 *
 *   BENCH_BROKERS=127.0.0.1:9092 BENCH_TOPIC=t BENCH_GROUP=g BENCH_EXPECTED=1000000 node bench/kafkajs-baseline.ts
 *
 * With BENCH_WORK=none it only counts messages (no JSON.parse, no Map): what kafkajs alone costs,
 * the ceiling for any main thread built on it.
 *
 * Prints one JSON line: records, distinct urls, and its own timings (from before connect, and
 * from joining the group to the last record).
 */

import { Kafka, logLevel } from 'kafkajs';

export type BaselineResult = {
  readonly records: number;
  readonly keys: number;
  /** From before `connect()` to the last record counted. */
  readonly inProcessMs: number;
  /** From joining the group to the last record counted: excludes start-up, connecting and the join. */
  readonly joinedToLastMs: number;
};

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

async function main(): Promise<void> {
  const started = performance.now();
  const expected = Number(required('BENCH_EXPECTED'));
  const work = process.env.BENCH_WORK !== 'none';
  const kafka = new Kafka({
    clientId: 'kafkajs-baseline',
    brokers: required('BENCH_BROKERS').split(','),
    logLevel: logLevel.ERROR,
  });
  const consumer = kafka.consumer({ groupId: required('BENCH_GROUP') });
  const counts = new Map<string, number>();
  let records = 0;
  let joinedAt = 0;
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });
  consumer.on(consumer.events.GROUP_JOIN, () => {
    joinedAt = performance.now();
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [required('BENCH_TOPIC')], fromBeginning: true });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      for (const message of work ? batch.messages : []) {
        if (message.value === null) continue;
        const { url } = JSON.parse(message.value.toString()) as { url: string };
        counts.set(url, (counts.get(url) ?? 0) + 1);
      }
      records += batch.messages.length;
      if (records >= expected) done();
    },
  });
  await finished;
  const ended = performance.now();
  await consumer.disconnect();
  const result: BaselineResult = {
    records,
    keys: counts.size,
    inProcessMs: ended - started,
    joinedToLastMs: ended - joinedAt,
  };
  console.log(JSON.stringify(result));
}

await main();
