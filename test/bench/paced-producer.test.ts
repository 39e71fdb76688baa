import { describe, expect, it } from 'vitest';
import { type BatchSender, producePaced } from '../../src/bench/topics.ts';
import { murmur2, toPositive } from '../../src/core/index.ts';
import { recordsSection } from '../../src/task/record-batch/decompress.ts';
import { crcMatches, readBatchHeader, readRecords } from '../../src/task/record-batch/record-batch.ts';

const shape = { keys: 50, keySkew: 1, valueBytes: 120, seed: 9 };

type Sent = { partition: number; timestamp: number; key: string; value: string };

/** Every record of the batches sent, read back as the slots read fetched batches. */
function readBack(batches: readonly (readonly [number, Uint8Array])[]): Sent[] {
  const records: Sent[] = [];
  for (const [partition, batch] of batches) {
    const header = readBatchHeader(batch, 0);
    if (header === 'partial') throw new Error('partial batch');
    expect(crcMatches(batch, 0, header)).toBe(true);
    const section = recordsSection(batch, 0, header, 2 ** 26);
    const text = (start: number, length: number) =>
      Buffer.from(section.bytes.subarray(start, start + length)).toString();
    readRecords(section.bytes, section.start, section.end, header, (record) => {
      records.push({
        partition,
        timestamp: record.timestamp,
        key: text(record.keyStart, record.keyLength),
        value: text(record.valueStart, record.valueLength),
      });
    });
  }
  return records;
}

describe('producePaced', () => {
  it.each(['none', 'lz4'] as const)(
    'sends what is due as record batches per partition, keys hashed as Java does, each stamped when made (%s)',
    async (compression) => {
      const sends: (readonly [number, Uint8Array])[][] = [];
      const sender: BatchSender = {
        async send(topic, batches) {
          expect(topic).toBe('t');
          sends.push([...batches]);
        },
      };
      const before = Date.now();
      const paced = await producePaced(sender, 't', 3, shape, compression, 4000, 0.25);
      const records = readBack(sends.flat());
      expect(records).toHaveLength(paced.produced);
      // 4,000/s for a quarter of a second: never more; fewer by what was due after the last tick
      // (a loaded machine runs its ticks late).
      expect(paced.produced).toBeGreaterThan(0);
      expect(paced.produced).toBeLessThanOrEqual(1000);
      for (const record of records) {
        expect(record.partition).toBe(toPositive(murmur2(Buffer.from(record.key))) % 3);
        expect(JSON.parse(record.value)).toMatchObject({ url: record.key });
        expect(Buffer.byteLength(record.value)).toBe(120);
        expect(record.timestamp).toBeGreaterThanOrEqual(before);
        expect(record.timestamp).toBeLessThanOrEqual(Date.now());
      }
    },
  );

  it('sends a failed batch again, and fails the run once a send keeps failing', async () => {
    let calls = 0;
    const flaky: BatchSender = {
      async send() {
        calls++;
        if (calls === 1) throw new Error('no leader is known for t-0');
      },
    };
    const paced = await producePaced(flaky, 't', 1, shape, 'none', 1000, 0.05);
    expect(paced.produced).toBeGreaterThan(0);
    expect(calls).toBeGreaterThan(1);
    const broken: BatchSender = {
      async send() {
        throw new Error('broker gone');
      },
    };
    await expect(producePaced(broken, 't', 1, shape, 'none', 1000, 0.05)).rejects.toThrow('broker gone');
  });
});
