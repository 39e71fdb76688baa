// The benchmark's topics: created fresh or reused, preloaded once, or fed at a fixed rate with each record's CreateTime.

import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin, Kafka, Message } from 'kafkajs';
import { compressionType, registerCodecs } from '../codecs/index.ts';
import type { Compression, KafkaSecurityConfig } from '../config/index.ts';
import { murmur2, silentLogger, toPositive } from '../core/index.ts';
import { createKafka, type RawProducer } from '../kafka/index.ts';
import { COMPRESSION, RecordBatchWriter } from '../task/index.ts';
import { type EventShape, EventSource } from './events.ts';

/** Records per produce request; a request of 2,000 × 1 KiB values stays under the broker's 1 MB batch limit per partition. */
const CHUNK = 2_000;
const IN_FLIGHT = 4;
/** A paced send is tried this often before the run fails. */
const SEND_ATTEMPTS = 5;

export function benchKafka(brokers: string, security: KafkaSecurityConfig, clientId: string): Kafka {
  registerCodecs();
  return createKafka({ clientId, brokers: brokers.split(','), ...security }, silentLogger, {
    retry: { retries: 5 },
  });
}

/** Creates `topic`, deleting it first when `fresh` and it exists. */
export async function createTopic(admin: Admin, topic: string, partitions: number): Promise<void> {
  // Right after a delete the broker may still refuse the name for a moment.
  for (let attempt = 1; ; attempt++) {
    try {
      await admin.createTopics({
        topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }],
        waitForLeaders: true,
      });
      return;
    } catch (error) {
      if (attempt >= 20) throw error;
      await sleep(500);
    }
  }
}

/** Records in `topic` and its partition count. */
export async function recordsIn(
  admin: Admin,
  topic: string,
): Promise<{ partitions: number; records: number }> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return {
    partitions: offsets.length,
    records: offsets.reduce((sum, item) => sum + Number(item.high) - Number(item.low), 0),
  };
}

export type PreloadSpec = EventShape & {
  readonly events: number;
  readonly partitions: number;
  readonly compression: Compression;
};

/** The catch-up topic's name: what it holds, so a topic of the same workload is reused. */
export function preloadTopic(spec: PreloadSpec): string {
  return `sluice-bench-${spec.events}x${spec.partitions}-${spec.valueBytes}b-${spec.keys}k-s${spec.keySkew}-${spec.compression}-seed${spec.seed}`;
}

/**
 * The topic of `spec.events` events, produced once: a topic of that name that holds exactly that
 * many records is reused, one that does not is written anew. Returns the topic and whether it was reused.
 */
export async function preload(
  kafka: Kafka,
  spec: PreloadSpec,
  log: (line: string) => void,
): Promise<{ topic: string; reused: boolean }> {
  const topic = preloadTopic(spec);
  const admin = kafka.admin();
  await admin.connect();
  try {
    if ((await admin.listTopics()).includes(topic)) {
      const held = await recordsIn(admin, topic);
      if (held.partitions === spec.partitions && held.records === spec.events) return { topic, reused: true };
      log(`${topic} holds ${held.records} records; writing it anew`);
      await admin.deleteTopics({ topics: [topic] });
      while ((await admin.listTopics()).includes(topic)) await sleep(200);
    }
    await createTopic(admin, topic, spec.partitions);
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      const source = new EventSource(spec);
      const start = Date.now();
      let made = 0;
      const chunk = (): Message[] => {
        const messages: Message[] = [];
        const end = Math.min(spec.events, made + CHUNK);
        // Event times a millisecond apart, from the start of the preload: windows see a steady stream.
        for (; made < end; made++) messages.push(source.next(start + made));
        return messages;
      };
      const lane = async (): Promise<void> => {
        while (made < spec.events) {
          await producer.send({
            topic,
            messages: chunk(),
            acks: -1,
            compression: compressionType(spec.compression),
          });
        }
      };
      await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
    } finally {
      await producer.disconnect();
    }
    const held = await recordsIn(admin, topic);
    if (held.records !== spec.events) {
      throw new Error(`preloading ${topic}: expected ${spec.events} records, it holds ${held.records}`);
    }
    return { topic, reused: false };
  } finally {
    await admin.disconnect();
  }
}

/** What a paced run produced. */
export type Paced = { readonly produced: number; readonly seconds: number };

/** Record batches sent as they are (the Kafka sink's raw producer). */
export type BatchSender = Pick<RawProducer, 'send'>;

/**
 * Produces events to `topic` (of `partitions`) at `rate` per second for `seconds`: every 5 ms
 * what is due by then, as one record batch per partition stamped with the time it was made
 * (CreateTime), keys hashed as the Java client does (murmur2). Batches are written here and sent
 * as they are, several times cheaper than kafkajs's producer, whose work would take CPU from the
 * run being measured on the same machine. At most 4 sends in flight: a broker that cannot keep up
 * slows the run, and the achieved rate says so. A failed send (a new topic's leaders not known
 * yet) is sent again; what the topic holds is the count to trust (`recordsIn`), since a send that
 * failed for one partition may have written the others.
 */
export async function producePaced(
  sender: BatchSender,
  topic: string,
  partitions: number,
  shape: EventShape,
  compression: Compression,
  rate: number,
  seconds: number,
): Promise<Paced> {
  const source = new EventSource(shape);
  const codec = COMPRESSION[compression];
  const started = performance.now();
  const end = started + seconds * 1000;
  let produced = 0;
  let failure: unknown;
  const inFlight = new Set<Promise<unknown>>();
  const send = async (batches: [number, Uint8Array][]): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await sender.send(topic, batches);
      } catch (error) {
        if (attempt >= SEND_ATTEMPTS) throw error;
        await sleep(100 * attempt);
      }
    }
  };
  for (let now = started; now < end && failure === undefined; now = performance.now()) {
    const due = Math.floor(((now - started) / 1000) * rate);
    const count = Math.min(due - produced, CHUNK);
    if (count > 0) {
      const created = Date.now();
      const writers = new Map<number, RecordBatchWriter>();
      for (let i = 0; i < count; i++) {
        const event = source.next(created);
        const key = Buffer.from(event.key);
        const partition = toPositive(murmur2(key)) % partitions;
        let writer = writers.get(partition);
        if (!writer) {
          writer = new RecordBatchWriter();
          writers.set(partition, writer);
        }
        // The values are ASCII: their length is their UTF-8 length.
        writer.append(key, event.value, event.value.length);
      }
      produced += count;
      const batches = [...writers].map(([partition, writer]): [number, Uint8Array] => [
        partition,
        writer.finish(codec, created),
      ]);
      const sent = send(batches).catch((error: unknown) => {
        failure ??= error;
      });
      inFlight.add(sent);
      void sent.finally(() => inFlight.delete(sent));
      if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
    }
    await sleep(5);
  }
  await Promise.all(inFlight);
  if (failure !== undefined) throw failure;
  return { produced, seconds: (performance.now() - started) / 1000 };
}
