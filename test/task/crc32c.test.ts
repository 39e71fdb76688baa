import { describe, expect, it } from 'vitest';
import { crc32c } from '../../src/task/record-batch/crc32c.ts';
import { random } from '../support/random.ts';

// kafkajs's own CRC-32C, as an oracle (test code may load kafkajs; slot code may not).
const { default: kafkajsCrc32c } = await import('kafkajs/src/protocol/recordBatch/crc32C/index.js');

describe('crc32c', () => {
  it('gives the standard check value of "123456789" (0xE3069283) and 0 for nothing', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(0))).toBe(0);
  });

  it('equals kafkajs on random buffers of every length 0..300 and on sub-ranges', () => {
    const next = random(7);
    for (let length = 0; length <= 300; length++) {
      const bytes = Buffer.from(Array.from({ length }, () => Math.floor(next() * 256)));
      expect(crc32c(bytes)).toBe(kafkajsCrc32c(bytes) >>> 0);
      if (length > 10)
        expect(crc32c(bytes, 3, length - 4)).toBe(kafkajsCrc32c(bytes.subarray(3, length - 4)) >>> 0);
    }
  });
});
