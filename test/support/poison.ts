import type { Producer } from 'kafkajs';
import { random } from './random.ts';

/** A record value as produced: bytes, or `null` for a tombstone. */
export type Value = Buffer | null;

/** One record placed in a partition: its value and, for an injected bad one, the kind it is. */
export type Placed = { readonly value: Value; readonly poison?: string };

const text = (value: string): Buffer => Buffer.from(value, 'utf8');

/**
 * Every kind of bad value a careless or hostile producer sends to a JSON job keyed by `url` with an
 * event time in `ts`, and how many of each go into a run of 100,000 valid events (about 1 %). The
 * large ones are few: they are about size, not count.
 */
export function poisonKinds(): readonly { readonly kind: string; readonly count: number; make(): Value }[] {
  const deep = 20_000;
  return [
    { kind: 'not JSON', count: 80, make: () => text('hello world') },
    { kind: 'truncated', count: 80, make: () => text('{"url":"/a","ts":12') },
    { kind: 'array', count: 80, make: () => text('[1,2,3]') },
    { kind: 'string', count: 80, make: () => text('"just a string"') },
    { kind: 'number', count: 80, make: () => text('42') },
    { kind: 'null', count: 80, make: () => text('null') },
    { kind: 'missing key field', count: 80, make: () => text('{"ts":1767225600000,"bytes":3}') },
    { kind: 'object key field', count: 80, make: () => text('{"url":{"a":1},"ts":1767225600000}') },
    { kind: 'empty value', count: 80, make: () => Buffer.alloc(0) },
    { kind: 'tombstone', count: 80, make: () => null },
    { kind: 'binary', count: 80, make: () => Buffer.from([0x00, 0x9f, 0xfe, 0xff, 0x01, 0x7b, 0x22]) },
    {
      kind: 'invalid UTF-8',
      count: 80,
      make: () => Buffer.concat([text('{"url":"/a'), Buffer.from([0xff, 0xfe]), text('"}')]),
    },
    {
      kind: '20,000-deep key',
      count: 30,
      make: () => text(`{"url":${'['.repeat(deep)}${']'.repeat(deep)},"ts":1767225600000}`),
    },
    {
      kind: '600 KB object key',
      count: 6,
      make: () => text(`{"url":{"pad":"${'y'.repeat(600 * 1024)}"},"ts":1767225600000}`),
    },
    // Last, so that nothing is placed between the two that share partition 0.
    { kind: '900 KB value', count: 4, make: () => text('x'.repeat(900 * 1024)) },
  ];
}

/**
 * Mixes the poison kinds into `valid` (already split by partition) at seeded random places; the two
 * first 900 KB values go next to each other in partition 0, so one batch holds both.
 */
export function mixPoison(valid: readonly (readonly Value[])[], seed: number): Placed[][] {
  const next = random(seed);
  const partitions: Placed[][] = valid.map((values) => values.map((value) => ({ value })));
  for (const { kind, count, make } of poisonKinds()) {
    for (let i = 0; i < count; i++) {
      const into = kind === '900 KB value' && i < 2 ? 0 : Math.floor(next() * partitions.length);
      const records = partitions[into] as Placed[];
      const at =
        kind === '900 KB value' && i === 1
          ? records.findIndex((record) => record.poison === kind) + 1
          : Math.floor(next() * (records.length + 1));
      records.splice(at, 0, { value: make(), poison: kind });
    }
  }
  return partitions;
}

const LARGE = 64 * 1024;
const CHUNK = 5_000;

/**
 * Produces each partition's records in order. A large value goes in a request of its own: two
 * 900 KB values in one produce request would exceed the broker's message size.
 */
export async function produceInOrder(
  producer: Producer,
  topic: string,
  partitions: readonly Placed[][],
): Promise<void> {
  for (const [partition, records] of partitions.entries()) {
    let pending: { partition: number; value: Value }[] = [];
    const flush = async (): Promise<void> => {
      if (pending.length > 0) await producer.send({ topic, acks: -1, messages: pending });
      pending = [];
    };
    for (const { value } of records) {
      if (value !== null && value.length > LARGE) {
        await flush();
        pending.push({ partition, value });
        await flush();
      } else {
        pending.push({ partition, value });
        if (pending.length >= CHUNK) await flush();
      }
    }
    await flush();
  }
}

/** `partition/offset` of every injected record, when the topic was empty before `produceInOrder`. */
export function poisonOrigins(partitions: readonly Placed[][]): string[] {
  return partitions.flatMap((records, partition) =>
    records.flatMap((record, offset) => (record.poison ? [`${partition}/${offset}`] : [])),
  );
}
