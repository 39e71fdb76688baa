import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel, type Message } from 'kafkajs';
import { startBroker, stopBroker } from '../../scripts/local-kafka/index.ts';
import { createTopic, recordsIn } from '../../src/bench/index.ts';
import { clickAt, type GeneratorSpec } from '../../src/task/index.ts';

export type BenchBroker = {
  readonly bootstrap: string;
  /** Where it came from, for the report. */
  readonly origin: string;
  stop(): Promise<void>;
};

/**
 * SLUICE_BENCH_BROKERS when set (left running); otherwise a single-node KRaft broker started
 * in `dir` (kept, so its topics survive for the next run) or in a temp dir (removed on stop).
 */
export async function acquireBroker(
  dir: string | undefined,
  log: (line: string) => void,
): Promise<BenchBroker> {
  const given = process.env.SLUICE_BENCH_BROKERS;
  if (given) return { bootstrap: given, origin: `SLUICE_BENCH_BROKERS=${given}`, stop: async () => {} };
  const folder = dir ?? mkdtempSync(join(tmpdir(), 'sluice-bench-kafka-'));
  const state = await startBroker({ dir: folder, log });
  return {
    bootstrap: state.bootstrap,
    origin: `local Kafka ${state.version} (single node, KRaft) started in ${folder}`,
    stop: async () => {
      await stopBroker(folder);
      if (!dir) rmSync(folder, { recursive: true, force: true });
    },
  };
}

/** A client for the preload; its errors surface as exceptions, so kafkajs's own log stays quiet. */
export function benchKafka(bootstrap: string, clientId: string): Kafka {
  return new Kafka({ clientId, brokers: bootstrap.split(','), logLevel: logLevel.NOTHING });
}

export type Preload = {
  readonly topic: string;
  readonly partitions: number;
  readonly events: number;
  /** Mean value size in bytes. */
  readonly valueBytes: number;
  /** True when the topic already held the events and nothing was produced. */
  readonly cached: boolean;
  readonly produceMs: number;
};

/** Records per partition per produce request: 5,000 × ~110 bytes stays under the broker's 1 MB batch limit. */
const CHUNK = 5_000;
const IN_FLIGHT = 4;
const SPEC: GeneratorSpec = { seed: 7, partitions: 8 };

/**
 * A topic of `events` JSON click events (the generator's, ~95-byte values, keyed by user)
 * spread evenly over `partitions`. Cached per broker by topic name: a topic that already
 * holds exactly that many records is reused; a half-written one is deleted and rewritten.
 */
export async function preloadClicks(
  kafka: Kafka,
  events: number,
  partitions: number,
  log: (line: string) => void,
): Promise<Preload> {
  const topic = `sluice-bench-clicks-${events}x${partitions}`;
  const spec = { ...SPEC, partitions };
  const perPartition = Math.ceil(events / partitions);
  const valueBytes = meanValueBytes(spec);
  const admin = kafka.admin();
  await admin.connect();
  try {
    if ((await admin.listTopics()).includes(topic)) {
      const held = await recordsIn(admin, topic);
      if (held.partitions === partitions && held.records === events) {
        log(`${topic} already holds ${events} records; skipping the preload`);
        return { topic, partitions, events, valueBytes, cached: true, produceMs: 0 };
      }
      log(`${topic} holds ${held.records} records in ${held.partitions} partitions; rewriting it`);
      await admin.deleteTopics({ topics: [topic] });
      while ((await admin.listTopics()).includes(topic)) await sleep(200);
    }
    await createTopic(admin, topic, partitions);
    const started = performance.now();
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      const requests: (() => Promise<unknown>)[] = [];
      for (let from = 0; from < perPartition; from += CHUNK) {
        requests.push(() => {
          const messages: Message[] = [];
          for (let partition = 0; partition < partitions; partition++) {
            const limit = Math.min(perPartition, from + CHUNK, events - partition * perPartition);
            for (let offset = from; offset < limit; offset++) {
              const click = clickAt(spec, partition, offset);
              messages.push({
                partition,
                key: click.user,
                value: JSON.stringify(click),
                // No record timestamp: the producer's clock. The events' own `ts` lies in
                // January 2026, and records that old fall to the broker's 7-day retention.
              });
            }
          }
          return producer.send({ topic, messages, acks: 1 });
        });
      }
      let next = 0;
      const lane = async (): Promise<void> => {
        while (next < requests.length) await (requests[next++] as () => Promise<unknown>)();
      };
      await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
    } finally {
      await producer.disconnect();
    }
    const produceMs = performance.now() - started;
    const held = await recordsIn(admin, topic);
    if (held.records !== events) {
      throw new Error(`preloading ${topic}: expected ${events} records, the topic holds ${held.records}`);
    }
    log(`produced ${events} records to ${topic} in ${(produceMs / 1000).toFixed(1)} s`);
    return { topic, partitions, events, valueBytes, cached: false, produceMs };
  } finally {
    await admin.disconnect();
  }
}

/**
 * The first consumer group on a fresh broker makes it create `__consumer_offsets` (50
 * partitions), which costs the first measured run about half a second; asking for a group's
 * offsets once before the rounds does that up front.
 */
export async function warmGroupCoordinator(kafka: Kafka, topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    // kafkajs does not retry the coordinator's refusals while the topic is being created.
    for (let attempt = 1; ; attempt++) {
      try {
        await admin.fetchOffsets({ groupId: 'sluice-bench-warm-up', topics: [topic] });
        return;
      } catch (error) {
        if (attempt >= 60) throw error;
        await sleep(500);
      }
    }
  } finally {
    await admin.disconnect();
  }
}

function meanValueBytes(spec: GeneratorSpec): number {
  let total = 0;
  const sample = 1_000;
  for (let i = 0; i < sample; i++) total += Buffer.byteLength(JSON.stringify(clickAt(spec, i % 8, i)));
  return total / sample;
}
