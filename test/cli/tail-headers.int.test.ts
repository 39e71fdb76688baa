// Issue 19, item 8: `sluice tail` shows each record's headers, so a dead letter's origin is visible.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../support/cli.ts';
import { availableNowEnv, sharedClients, testBrokers, uniqueName } from '../support/kafka.ts';

const clients = sharedClients('cli-tail-headers');
const dir = mkdtempSync(join(tmpdir(), 'sluice-tail-headers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const env = (): Record<string, string> => ({ SLUICE_BROKERS: testBrokers().join(',') });
const ANNOUNCE =
  /^sluice tail: reading \S+ as consumer group sluice-tail-[0-9a-f]{12}, which commits no offsets\n$/;

describe('sluice tail headers', () => {
  it("shows the headers sluice produce wrote, and a dead letter's origin headers, in text and JSON", async () => {
    const topic = uniqueName('tail-headers');
    const dlq = uniqueName('tail-headers-dlq');
    await clients.admin.createTopics({ topics: [{ topic: dlq, numPartitions: 1 }], waitForLeaders: true });
    const produce = startCli(
      [
        'produce',
        '--topic',
        topic,
        '--create',
        '--partitions',
        '1',
        '--from-file',
        '-',
        '--header',
        'source=test',
      ],
      env(),
    );
    produce.child.stdin?.end('{"url":"/a"}\nnot json\n');
    expect((await produce.done).code).toBe(0);

    const input = await runCli(['tail', topic, '--from-beginning', '--max', '1'], env());
    expect(input.stdout).toMatch(
      /^partition 0 · offset 0 · \S+ · key \(null\)\nheader source: test\n\{\n {2}"url": "\/a"\n\}\n$/,
    );

    // The built-in aggregate job dead-letters the line that is not JSON.
    const run = await runCli(['run'], {
      ...availableNowEnv(topic, uniqueName('tail-headers-run')),
      SLUICE_ON_DECODE_ERROR: 'dlq',
      SLUICE_DLQ_TOPIC: dlq,
      SLUICE_SINK: `file:${join(dir, 'out')}`,
      SLUICE_WORKERS: '1',
      SLUICE_LOG_LEVEL: 'warn',
    });
    expect(run.code, run.stderr).toBe(0);

    const json = await runCli(['tail', dlq, '--from-beginning', '--max', '1', '--json'], env());
    expect(json.code).toBe(0);
    expect(json.stderr).toMatch(ANNOUNCE);
    const letter = JSON.parse(json.stdout) as { value: unknown; headers: { key: string; value: string }[] };
    expect(letter.value).toBe('not json');
    const error = `Unexpected token 'o', "not json" is not valid JSON`;
    expect(letter.headers).toEqual([
      { key: 'sluice.origin.topic', value: topic, format: 'text' },
      { key: 'sluice.origin.partition', value: '0', format: 'text' },
      { key: 'sluice.origin.offset', value: '1', format: 'text' },
      { key: 'sluice.error', value: error, format: 'text' },
    ]);

    const text = await runCli(['tail', dlq, '--from-beginning', '--max', '1'], env());
    const lines = text.stdout.split('\n');
    expect(lines[0]).toMatch(/^partition 0 · offset 0 · \S+ · key \(null\)$/);
    expect(lines.slice(1)).toEqual([
      `header sluice.origin.topic: ${topic}`,
      'header sluice.origin.partition: 0',
      'header sluice.origin.offset: 1',
      `header sluice.error: ${error}`,
      'not json',
      '',
    ]);
  });
});
