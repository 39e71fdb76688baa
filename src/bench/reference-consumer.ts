// The benchmark's reference: a plain single-threaded kafkajs consumer doing the aggregate job's work, run as a child process.
//
// BENCH_BROKERS, BENCH_TOPIC, BENCH_GROUP; BENCH_EXPECTED (optional: exit once that many records
// were counted). Each record's value is parsed and counted by `url` in a Map; its latency (now −
// its Kafka timestamp, once its fetch batch is counted) goes into a histogram. Prints a JSON line
// `{ records, joined, sparse }` every 100 ms, and at the end (the count reached, or SIGTERM) `{ done: true, … }`.

import { Kafka, logLevel } from 'kafkajs';
import { LatencyHistogram } from '../core/index.ts';

/** The reference's last line. */
export type ReferenceDone = {
  readonly done: true;
  readonly records: number;
  readonly keys: number;
  /** When it joined the group and when it counted its last record (epoch ms). */
  readonly joinedAt: number;
  readonly lastAt: number;
  /** The records' latencies as a LatencyHistogram's sparse form (µs). */
  readonly sparse: number[];
};

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

async function main(): Promise<void> {
  const expected = Number(process.env.BENCH_EXPECTED ?? Number.POSITIVE_INFINITY);
  const kafka = new Kafka({
    clientId: 'sluice-bench-reference',
    brokers: required('BENCH_BROKERS').split(','),
    logLevel: logLevel.NOTHING,
  });
  const consumer = kafka.consumer({ groupId: required('BENCH_GROUP') });
  const counts = new Map<string, number>();
  const latency = new LatencyHistogram();
  let records = 0;
  let joinedAt = 0;
  let lastAt = 0;
  const { promise: finished, resolve: finish } = Promise.withResolvers<void>();
  consumer.on(consumer.events.GROUP_JOIN, () => {
    joinedAt ||= Date.now();
  });
  await consumer.connect();
  await consumer.subscribe({ topic: required('BENCH_TOPIC'), fromBeginning: true });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      for (const message of batch.messages) {
        const value = JSON.parse(message.value?.toString() ?? 'null') as { url?: unknown } | null;
        const url = String(value?.url);
        counts.set(url, (counts.get(url) ?? 0) + 1);
      }
      const now = Date.now();
      for (const message of batch.messages) latency.record((now - Number(message.timestamp)) * 1000);
      records += batch.messages.length;
      lastAt = now;
      if (records >= expected) finish();
    },
  });
  const progress = setInterval(
    () => console.log(JSON.stringify({ records, joined: joinedAt > 0, sparse: latency.toSparse() })),
    100,
  );
  process.once('SIGTERM', finish);
  await finished;
  clearInterval(progress);
  const done: ReferenceDone = {
    done: true,
    records,
    keys: counts.size,
    joinedAt,
    lastAt,
    sparse: latency.toSparse(),
  };
  console.log(JSON.stringify(done));
  await consumer.disconnect();
}

await main();
