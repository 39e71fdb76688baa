// Issue 19, item 8: `sluice produce --from-file` against the real broker — lines from stdin and from
// a file read back with exact keys, values, headers and partitions, and hostile input.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createPartitioner, type PartitionerName } from '../../src/kafka/index.ts';
import { type CliResult, startCli } from '../support/cli.ts';
import { startCollecting } from '../support/collect.ts';
import { sharedClients, testBrokers, testKafka, uniqueName } from '../support/kafka.ts';

const clients = sharedClients('cli-produce-lines');
const dir = mkdtempSync(join(tmpdir(), 'sluice-produce-lines-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `sluice produce <args>` with `stdin` written to it and closed. */
function produce(args: readonly string[], stdin: string | Buffer = ''): Promise<CliResult> {
  const cli = startCli(['produce', ...args], { SLUICE_BROKERS: testBrokers().join(',') });
  cli.child.stdin?.end(stdin);
  return cli.done;
}

type Row = { partition: number; offset: string; key: string | null; value: string; headers: string[] };

/** Every record of `topic` (exactly `count`), by partition and offset. */
async function readBack(topic: string, count: number): Promise<Row[]> {
  const consumer = testKafka('produce-lines-read').consumer({
    groupId: uniqueName('lines-read'),
    maxWaitTimeInMs: 100,
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const inbox = await startCollecting(consumer);
    if (count > 0) await inbox.waitFor(count);
    await consumer.disconnect();
    return inbox.received
      .map(({ partition, message }) => ({
        partition,
        offset: message.offset,
        key: message.key === null ? null : message.key.toString(),
        value: message.value?.toString() ?? '(null)',
        headers: Object.entries(message.headers ?? {}).map(([key, value]) => `${key}=${String(value)}`),
      }))
      .sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset));
  } finally {
    await consumer.disconnect();
  }
}

/** The summary line without its timing fields. */
function summary(result: CliResult): Record<string, unknown> {
  expect(result.stdout.endsWith('\n')).toBe(true);
  const { elapsedMs, recordsPerSecond, ...rest } = JSON.parse(result.stdout) as Record<string, unknown>;
  expect(typeof elapsedMs).toBe('number');
  expect(typeof recordsPerSecond).toBe('number');
  return rest;
}

/** Where `partitioner` puts each (key, value), in order, over `partitions`. */
function partitionsOf(
  name: PartitionerName,
  records: [string | null, string][],
  partitions: number,
): number[] {
  const partitioner = createPartitioner(name);
  return records.map(([key, value]) =>
    partitioner({ key: key === null ? null : Buffer.from(key), value: Buffer.from(value) }, partitions),
  );
}

/** The rows `records` should read back as, each on its partition with offsets in input order. */
function expectedRows(records: [string | null, string][], partitions: number[], headers: string[]): Row[] {
  const next = new Map<number, number>();
  return records
    .map(([key, value], index) => {
      const partition = partitions[index] ?? -1;
      const offset = next.get(partition) ?? 0;
      next.set(partition, offset + 1);
      return { partition, offset: String(offset), key, value, headers };
    })
    .sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset));
}

describe('sluice produce --from-file', () => {
  it('writes JSON lines from stdin keyed by a field, with headers, where murmur2 puts them', async () => {
    const topic = uniqueName('lines-stdin');
    const lines = ['{"user":"u1","n":1}', '{"user":"u2","n":2}', '{"user":"u1","n":3}', '{"user":7,"n":4}'];
    const result = await produce(
      [
        ...['--topic', topic, '--create', '--partitions', '3', '--from-file', '-', '--format', 'json'],
        ...['--key-field', 'user', '--header', 'source=stdin-test', '--header', 'run=1'],
      ],
      `${lines[0]}\n${lines[1]}\r\n${lines[2]}\n${lines[3]}`,
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const records: [string, string][] = lines.map((line) => [String(JSON.parse(line).user), line]);
    const partitions = partitionsOf('murmur2', records, 3);
    const counts = { '0': 0, '1': 0, '2': 0 } as Record<string, number>;
    for (const p of partitions) counts[String(p)] = (counts[String(p)] ?? 0) + 1;
    expect(summary(result)).toEqual({
      topic,
      count: 4,
      partitions: counts,
      from: 'stdin',
      format: 'json',
      lines: 4,
      emptyLines: 0,
      skipped: 0,
      partitioner: 'murmur2',
      compression: 'none',
    });
    expect(await readBack(topic, 4)).toEqual(
      expectedRows(records, partitions, ['source=stdin-test', 'run=1']),
    );
  });

  it('writes a file of text lines split at a key separator, round-robin, skipping empty lines', async () => {
    const topic = uniqueName('lines-file');
    const path = join(dir, 'lines.txt');
    writeFileSync(path, 'a\tone\n\nb\ttwo words\n\n\nc\t\nd\tfour\ttabs\n');
    const result = await produce([
      ...['--topic', topic, '--create', '--partitions', '2', '--from-file', path],
      ...['--key-separator', '\t', '--partitioner', 'round-robin', '--compression', 'gzip'],
    ]);
    expect(result.stderr).toBe('');
    const records: [string, string][] = [
      ['a', 'one'],
      ['b', 'two words'],
      ['c', ''],
      ['d', 'four\ttabs'],
    ];
    expect(summary(result)).toEqual({
      topic,
      count: 4,
      partitions: { '0': 2, '1': 2 },
      from: path,
      format: 'text',
      lines: 7,
      emptyLines: 3,
      skipped: 0,
      partitioner: 'round-robin',
      compression: 'gzip',
    });
    expect(await readBack(topic, 4)).toEqual(expectedRows(records, [0, 1, 0, 1], []));
  });
});

describe('sluice produce --from-file with hostile input', () => {
  it('empty input: nothing written, a summary of none', async () => {
    const topic = uniqueName('lines-empty');
    const result = await produce(['--topic', topic, '--create', '--partitions', '1', '--from-file', '-']);
    expect(summary(result)).toMatchObject({ count: 0, lines: 0, emptyLines: 0, skipped: 0 });
    const offsets = await clients.admin.fetchTopicOffsets(topic);
    expect(offsets.map(({ high }) => high)).toEqual(['0']);
  });

  it('text: bytes that are not UTF-8 go as they are, CRLF and a lone CR are handled', async () => {
    const topic = uniqueName('lines-bytes');
    const input = Buffer.concat([
      Buffer.from([0xff, 0xfe, 0x41]),
      Buffer.from('\r\nmid\rdle\n'),
      Buffer.from('last'),
    ]);
    const result = await produce(
      ['--topic', topic, '--create', '--partitions', '1', '--from-file', '-'],
      input,
    );
    expect(summary(result)).toMatchObject({ count: 3, lines: 3 });
    const consumer = testKafka('lines-bytes').consumer({ groupId: uniqueName('lines-bytes') });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const inbox = await startCollecting(consumer);
    const values = (await inbox.waitFor(3)).map(({ message }) => message.value?.toString('hex'));
    await consumer.disconnect();
    expect(values).toEqual([
      'fffe41',
      Buffer.from('mid\rdle').toString('hex'),
      Buffer.from('last').toString('hex'),
    ]);
  });

  it('a 5 MB line: stops there by default (exit 1, the lines before it written); skipped with --on-error skip', async () => {
    const topic = uniqueName('lines-huge');
    const huge = 'x'.repeat(5 * 1024 * 1024);
    const input = `first\n${huge}\nthird\n`;
    const args = ['--topic', topic, '--create', '--partitions', '1', '--from-file', '-'];
    const stopped = await produce(args, input);
    expect(stopped).toEqual({
      code: 1,
      stdout: '',
      stderr: `SLUICE_DECODE: line 2 of stdin: it is ${huge.length} bytes long; topic ${topic} takes records of at most 1048588 bytes (max.message.bytes); stopped there, after writing the lines before it (--on-error skip skips bad lines)\n`,
    });
    const skipped = await produce([...args, '--on-error', 'skip'], input);
    expect(skipped.stderr).toBe(
      `sluice produce: line 2 of stdin skipped: it is ${huge.length} bytes long; topic ${topic} takes records of at most 1048588 bytes (max.message.bytes)\n`,
    );
    expect(summary(skipped)).toMatchObject({ count: 2, lines: 3, skipped: 1 });
    expect((await readBack(topic, 3)).map((row) => row.value)).toEqual(['first', 'first', 'third']);
  });

  it('JSON lines: bad JSON, a missing or non-string key field, and __proto__ as the key field', async () => {
    const topic = uniqueName('lines-json');
    const input = [
      '{"__proto__":"p1","v":1}',
      '{"v":2}',
      'not json',
      '{"__proto__":{"x":1}}',
      '{"__proto__":2.5}',
    ].join('\n');
    const result = await produce(
      [
        ...['--topic', topic, '--create', '--partitions', '1', '--from-file', '-', '--format', 'json'],
        ...['--key-field', '__proto__', '--on-error', 'skip'],
      ],
      input,
    );
    expect(result.stderr).toBe(
      [
        'sluice produce: line 2 of stdin skipped: the key field "__proto__" is missing',
        `sluice produce: line 3 of stdin skipped: it is not one JSON value: Unexpected token 'o', "not json" is not valid JSON`,
        'sluice produce: line 4 of stdin skipped: the key field "__proto__" must be a string or a number; got {"x":1}',
        '',
      ].join('\n'),
    );
    expect(summary(result)).toMatchObject({ count: 2, lines: 5, skipped: 3 });
    expect((await readBack(topic, 2)).map(({ key, value }) => [key, value])).toEqual([
      ['p1', '{"__proto__":"p1","v":1}'],
      ['2.5', '{"__proto__":2.5}'],
    ]);
  });

  it('refuses a path that cannot be read before connecting (exit 2)', async () => {
    expect(await produce(['--topic', 't', '--from-file', join(dir, 'missing.txt')])).toEqual({
      code: 2,
      stdout: '',
      stderr: `SLUICE_USAGE: --from-file ${join(dir, 'missing.txt')}: cannot open it (ENOENT: no such file or directory, open '${join(dir, 'missing.txt')}')\n`,
    });
  });
});
