import { describe, expect, it } from 'vitest';
import { apiVersionsV3Body } from '../../src/kafka/broker-release.ts';
import { kafkaRelease, metadataVersionName, readApiVersionsV3 } from '../../src/kafka/index.ts';

/** Kafka's wire types, as ApiVersionsResponse.json lays them out (flexible from v3). */
const int16 = (value: number) => {
  const bytes = Buffer.alloc(2);
  bytes.writeInt16BE(value);
  return bytes;
};
const int32 = (value: number) => {
  const bytes = Buffer.alloc(4);
  bytes.writeInt32BE(value);
  return bytes;
};
const int64 = (value: bigint) => {
  const bytes = Buffer.alloc(8);
  bytes.writeBigInt64BE(value);
  return bytes;
};
const uvarint = (value: number): Buffer => {
  const out: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    out.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
  return Buffer.from(out);
};
const compactString = (text: string) =>
  Buffer.concat([uvarint(Buffer.byteLength(text) + 1), Buffer.from(text)]);
const compactArray = (items: Buffer[]) => Buffer.concat([uvarint(items.length + 1), ...items]);
const NO_TAGS = Buffer.from([0]);
const tagged = (fields: [number, Buffer][]) =>
  Buffer.concat([
    uvarint(fields.length),
    ...fields.flatMap(([tag, data]) => [uvarint(tag), uvarint(data.length), data]),
  ]);

/** A v3 answer: two APIs, then the features as tagged fields (finalized ranges list max first). */
function answer(
  supported: [string, number, number][],
  finalized: [string, number, number][],
  extra: [number, Buffer][] = [],
): Buffer {
  return Buffer.concat([
    int16(0),
    compactArray([
      Buffer.concat([int16(1), int16(4), int16(17), NO_TAGS]),
      Buffer.concat([int16(18), int16(0), int16(4), NO_TAGS]),
    ]),
    int32(0),
    tagged([
      [
        0,
        compactArray(
          supported.map(([name, min, max]) =>
            Buffer.concat([compactString(name), int16(min), int16(max), NO_TAGS]),
          ),
        ),
      ],
      [1, int64(42n)],
      [
        2,
        compactArray(
          finalized.map(([name, max, min]) =>
            Buffer.concat([compactString(name), int16(max), int16(min), NO_TAGS]),
          ),
        ),
      ],
      ...extra,
    ]),
  ]);
}

const KAFKA_4_3 = answer(
  [
    ['group.version', 0, 1],
    ['metadata.version', 7, 30],
    ['kraft.version', 0, 1],
  ],
  [['metadata.version', 30, 30]],
);

describe('readApiVersionsV3', () => {
  it("reads the broker's supported and the cluster's finalized features", () => {
    const features = readApiVersionsV3(KAFKA_4_3);
    expect([...features.supported]).toEqual([
      ['group.version', { min: 0, max: 1 }],
      ['metadata.version', { min: 7, max: 30 }],
      ['kraft.version', { min: 0, max: 1 }],
    ]);
    expect([...features.finalized]).toEqual([['metadata.version', { min: 30, max: 30 }]]);
    expect(kafkaRelease(features)).toEqual({ release: '4.3', metadataVersion: '4.3-IV0' });
  });

  it('names a 3.9 broker of a cluster not yet finalized past 3.7, and skips tags it does not know', () => {
    const features = readApiVersionsV3(
      answer(
        [['metadata.version', 1, 21]],
        [['metadata.version', 19, 19]],
        [
          [3, Buffer.from([1])],
          [9, Buffer.from('x')],
        ],
      ),
    );
    expect(kafkaRelease(features)).toEqual({ release: '3.9', metadataVersion: '3.7-IV4' });
  });

  it('knows no release without metadata.version (ZooKeeper mode, before 3.3), nor one newer than its table', () => {
    expect(kafkaRelease(readApiVersionsV3(answer([], [])))).toEqual({ release: null, metadataVersion: null });
    expect(
      kafkaRelease(readApiVersionsV3(answer([['metadata.version', 7, 40]], [['metadata.version', 40, 40]]))),
    ).toEqual({
      release: 'newer than 4.4 (level 40)',
      metadataVersion: 'level 40',
    });
  });

  it('says so when the broker does not take v3 (a v0 answer with UNSUPPORTED_VERSION) or names another error', () => {
    expect(() => readApiVersionsV3(Buffer.concat([int16(35), int32(0)]))).toThrow(
      expect.objectContaining({
        code: 'SLUICE_KAFKA',
        message: 'the broker does not take ApiVersions v3 (Kafka before 2.4)',
      }),
    );
    expect(() => readApiVersionsV3(int16(31))).toThrow(
      expect.objectContaining({
        code: 'SLUICE_KAFKA',
        message: 'the broker answered ApiVersions with error code 31',
      }),
    );
  });

  it('refuses every cut of an answer with SLUICE_KAFKA, naming where it ended', () => {
    for (let length = 0; length < KAFKA_4_3.length; length++) {
      expect(() => readApiVersionsV3(KAFKA_4_3.subarray(0, length))).toThrow(
        expect.objectContaining({
          code: 'SLUICE_KAFKA',
          message: expect.stringMatching(
            /^the broker's ApiVersions answer does not parse: \d+ bytes needed at byte \d+ of \d+$/,
          ),
        }),
      );
    }
  });

  it('refuses absurd counts and varints without reading past the answer', () => {
    const huge = Buffer.concat([int16(0), uvarint(2 ** 31)]);
    expect(() => readApiVersionsV3(huge)).toThrow(/needed at byte 7 of 7$/);
    const endless = Buffer.concat([int16(0), Buffer.alloc(6, 0xff)]);
    expect(() => readApiVersionsV3(endless)).toThrow(/a varint longer than 5 bytes$/);
  });
});

describe('metadataVersionName', () => {
  it("gives Kafka's names of the levels", () => {
    expect([1, 7, 14, 21, 25, 30].map(metadataVersionName)).toEqual([
      '3.0-IV1',
      '3.3-IV3',
      '3.6-IV2',
      '3.9-IV0',
      '4.0-IV3',
      '4.3-IV0',
    ]);
    expect([0, -1, 99].map(metadataVersionName)).toEqual(['level 0', 'level -1', 'level 99']);
  });
});

describe('apiVersionsV3Body', () => {
  it("writes the header's and the body's empty tags around the client's compact name and version", () => {
    expect([...apiVersionsV3Body('sluice', '0.1.0')]).toEqual([
      0,
      7,
      ...Buffer.from('sluice'),
      6,
      ...Buffer.from('0.1.0'),
      0,
    ]);
  });
});
