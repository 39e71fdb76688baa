// The text and JSON that sluice topics, lag and tail print, as exact strings.
import { describe, expect, it } from 'vitest';
import { formatLag } from '../../src/cli/lag.ts';
import { formatTailRecord, type TailRecord, tailJson } from '../../src/cli/tail-format.ts';
import { isInternalTopic, table } from '../../src/cli/tool-format.ts';
import { formatCreatedTopic, formatTopicDescription, formatTopicList } from '../../src/cli/topics.ts';

describe('table', () => {
  it('pads columns to the widest cell, two spaces apart, without trailing spaces', () => {
    expect(
      table(
        ['A', 'LONGER', 'C'],
        [
          ['x', '1', ''],
          ['wide cell', '22', 'z'],
        ],
      ),
    ).toBe('A          LONGER  C\nx          1\nwide cell  22      z');
  });

  it('takes names starting with __ for internal topics', () => {
    expect(['__consumer_offsets', '_schemas', 'clicks'].map(isInternalTopic)).toEqual([true, false, false]);
  });
});

describe('sluice topics output', () => {
  it('lists topics', () => {
    expect(
      formatTopicList([
        { name: 'clicks', partitions: 4, replicationFactor: 1, internal: false },
        { name: 'orders.v2', partitions: 12, replicationFactor: 3, internal: false },
      ]),
    ).toBe('TOPIC      PARTITIONS  REPLICATION\nclicks     4           1\norders.v2  12          3');
    expect(formatTopicList([])).toBe('no topics');
  });

  it('describes a topic, partitions without a leader as none', () => {
    expect(
      formatTopicDescription({
        topic: 'clicks',
        replicationFactor: 2,
        partitions: [
          { partition: 0, leader: 1, replicas: [1, 2], isr: [1, 2], low: 0, high: 1500 },
          { partition: 1, leader: -1, replicas: [2, 1], isr: [], low: 20, high: 20 },
        ],
      }),
    ).toBe(
      [
        'topic clicks: 2 partitions, replication factor 2',
        'PARTITION  LEADER  REPLICAS  ISR  LOW  HIGH',
        '0          1       1,2       1,2  0    1500',
        '1          none    2,1            20   20',
      ].join('\n'),
    );
  });

  it('reports a created topic', () => {
    expect(formatCreatedTopic({ topic: 't', partitions: 1, replicationFactor: 1, config: {} })).toBe(
      'created topic t: 1 partition, replication factor 1',
    );
    expect(
      formatCreatedTopic({
        topic: 't',
        partitions: 3,
        replicationFactor: 1,
        config: { 'retention.ms': '1000', 'cleanup.policy': 'compact' },
      }),
    ).toBe(
      'created topic t: 3 partitions, replication factor 1; config retention.ms=1000, cleanup.policy=compact',
    );
  });
});

describe('sluice lag output', () => {
  it('shows committed, end and lag per partition, - where nothing is committed, and the total', () => {
    expect(
      formatLag({
        group: 'g',
        topic: 'clicks',
        partitions: [
          { topic: 'clicks', partition: 0, committed: 10, end: 15, lag: 5 },
          { topic: 'clicks', partition: 1, committed: null, end: 7, lag: null },
          { topic: 'clicks', partition: 2, committed: 9, end: 9, lag: 0 },
        ],
        totalLag: 5,
      }),
    ).toBe(
      [
        'group g',
        'TOPIC   PARTITION  COMMITTED  END  LAG',
        'clicks  0          10         15   5',
        'clicks  1          -          7    -',
        'clicks  2          9          9    0',
        'total lag: 5',
      ].join('\n'),
    );
  });

  it('says when the group has committed nothing', () => {
    expect(formatLag({ group: 'g', topic: null, partitions: [], totalLag: 0 })).toBe(
      'group g has no committed offsets',
    );
    const uncommitted = { topic: 't', partition: 0, committed: null, end: 3, lag: null };
    expect(formatLag({ group: 'g', topic: 't', partitions: [uncommitted], totalLag: 0 })).toBe(
      'group g has no committed offsets on topic t',
    );
  });
});

const record = (key: Buffer | null, value: Buffer | null): TailRecord => ({
  topic: 'clicks',
  partition: 2,
  offset: '41',
  timestamp: '1767225600000',
  key,
  value,
});

describe('sluice tail output', () => {
  const json = record(Buffer.from('u252'), Buffer.from('{"user":"u252","tags":["a"]}'));

  it('prints a header line and the JSON value indented', () => {
    expect(formatTailRecord(json, 'all')).toBe(
      'partition 2 · offset 41 · 2026-01-01T00:00:00.000Z · key u252\n{\n  "user": "u252",\n  "tags": [\n    "a"\n  ]\n}',
    );
    expect(formatTailRecord(json, 'key')).toBe('u252');
    expect(formatTailRecord(json, 'value')).toBe('{\n  "user": "u252",\n  "tags": [\n    "a"\n  ]\n}');
  });

  it('shows text, empty, null and non-UTF-8 keys and values', () => {
    expect(formatTailRecord(record(null, Buffer.from('plain text')), 'all')).toBe(
      'partition 2 · offset 41 · 2026-01-01T00:00:00.000Z · key (null)\nplain text',
    );
    expect(formatTailRecord(record(Buffer.from([0xff, 0xfe]), null), 'all')).toBe(
      'partition 2 · offset 41 · 2026-01-01T00:00:00.000Z · key (binary) //4=\n(null)',
    );
    expect(formatTailRecord(record(Buffer.from('k'), Buffer.alloc(0)), 'value')).toBe('(empty)');
    expect(formatTailRecord({ ...record(null, null), timestamp: '-1' }, 'all')).toBe(
      'partition 2 · offset 41 · no timestamp · key (null)\n(null)',
    );
  });

  it('gives one JSON object per record, saying what each key and value was', () => {
    expect(JSON.stringify(tailJson(json, 'all'))).toBe(
      '{"topic":"clicks","partition":2,"offset":41,"timestamp":1767225600000,"key":"u252","keyFormat":"text","value":{"user":"u252","tags":["a"]},"valueFormat":"json","headers":[]}',
    );
    expect(tailJson(json, 'key')).toEqual({
      topic: 'clicks',
      partition: 2,
      offset: 41,
      timestamp: 1767225600000,
      key: 'u252',
      keyFormat: 'text',
    });
    expect(tailJson(record(Buffer.from([0xff]), Buffer.from('"quoted"')), 'all')).toMatchObject({
      key: '/w==',
      keyFormat: 'binary',
      value: 'quoted',
      valueFormat: 'json',
    });
    expect(tailJson(record(null, Buffer.from('not json')), 'value')).toEqual({
      topic: 'clicks',
      partition: 2,
      offset: 41,
      timestamp: 1767225600000,
      value: 'not json',
      valueFormat: 'text',
    });
    expect(tailJson(record(null, null), 'all')).toMatchObject({
      key: null,
      keyFormat: 'null',
      value: null,
      valueFormat: 'null',
    });
  });

  describe('headers', () => {
    const withHeaders: TailRecord = {
      ...record(Buffer.from('k'), Buffer.from('v')),
      headers: {
        'sluice.origin.topic': Buffer.from('clicks'),
        tags: [Buffer.from('a'), Buffer.from('b')],
        raw: Buffer.from([0xff, 0x00]),
        none: null,
        multi: Buffer.from('line 1\nline 2'),
      },
    };

    it('as text: one line each after the first, a repeated key once per value, binary as base64', () => {
      expect(formatTailRecord(withHeaders, 'all')).toBe(
        [
          'partition 2 · offset 41 · 2026-01-01T00:00:00.000Z · key k',
          'header sluice.origin.topic: clicks',
          'header tags: a',
          'header tags: b',
          'header raw: (binary) /wA=',
          'header none: (null)',
          'header multi: "line 1\\nline 2"',
          'v',
        ].join('\n'),
      );
      expect(formatTailRecord(withHeaders, 'value')).toBe('v');
    });

    it('as JSON: key, value and format of each, in order', () => {
      expect(tailJson(withHeaders, 'all').headers).toEqual([
        { key: 'sluice.origin.topic', value: 'clicks', format: 'text' },
        { key: 'tags', value: 'a', format: 'text' },
        { key: 'tags', value: 'b', format: 'text' },
        { key: 'raw', value: '/wA=', format: 'binary' },
        { key: 'none', value: null, format: 'null' },
        { key: 'multi', value: 'line 1\nline 2', format: 'text' },
      ]);
      expect(tailJson(withHeaders, 'key')).not.toHaveProperty('headers');
    });

    it('bounded: 20 headers as text and 100 as JSON, values clipped, the rest counted', () => {
      const many: TailRecord = {
        ...record(null, Buffer.from('v')),
        headers: Object.fromEntries(
          Array.from({ length: 150 }, (_, i) => [`h${i}`, Buffer.from('x'.repeat(2000))]),
        ),
      };
      const lines = formatTailRecord(many, 'all').split('\n');
      expect(lines).toHaveLength(1 + 20 + 1 + 1);
      expect(lines[1]).toBe(`header h0: ${'x'.repeat(200)}… (2000 chars)`);
      expect(lines[21]).toBe('header … 130 more');
      const json = tailJson(many, 'all');
      expect(json.headers).toHaveLength(100);
      expect(json.headers?.[99]).toEqual({
        key: 'h99',
        value: `${'x'.repeat(1000)}… (2000 chars)`,
        format: 'text',
      });
      expect(json.headersOmitted).toBe(50);
    });
  });
});
