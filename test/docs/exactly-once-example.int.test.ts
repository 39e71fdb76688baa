import { describe, expect, it } from 'vitest';
import { freePort } from '../support/cli.ts';
import { runShellBlock, shellBlock } from '../support/doc-blocks.ts';
import { readTopic, readTopicToEnd } from '../support/eos-oracle.ts';
import { testBrokers, testKafka, uniqueName } from '../support/kafka.ts';
import { tempDirs } from '../support/temp-dirs.ts';

const tempDir = tempDirs('sluice-eos-example');

type Click = { url: string; ts: number };
type Row = { key: string; windowStart: number; windowEnd: number; value: number };

describe('docs/exactly-once.md', () => {
  it('the Kafka outputs example, run as written: every window count of the produced clicks, once', async () => {
    const input = uniqueName('clicks');
    const output = uniqueName('page-counts');
    const group = uniqueName('pages');
    const block = shellBlock('docs/exactly-once.md', 'Kafka outputs')
      .replaceAll('127.0.0.1:9092', testBrokers().join(','))
      .replace(/\bpage-counts\b/g, output)
      .replace(/\bclicks\b/g, input)
      .replace(/\bpages\b/g, group);
    const run = await runShellBlock(block, tempDir(), { SLUICE_HTTP_PORT: String(await freePort()) });
    const kafka = testKafka();
    const clicks = await readTopic<Click>(kafka, input, 20_000);
    const oracle = new Map<string, Row>();
    for (const { url, ts } of clicks) {
      const windowStart = Math.floor(ts / 10_000) * 10_000;
      const id = `${url}@${windowStart}`;
      const row = oracle.get(id) ?? { key: url, windowStart, windowEnd: windowStart + 10_000, value: 0 };
      oracle.set(id, { ...row, value: row.value + 1 });
    }
    // Final windows: those the watermark closed by the end of the topic, all keys of a window at
    // once. The rows are the oracle's up to the last window emitted, each once.
    const rows = await readTopicToEnd<Row>(kafka, output);
    const closedUntil = Math.max(...rows.map((row) => row.windowEnd));
    const expected = [...oracle.values()].filter((row) => row.windowEnd <= closedUntil);
    expect(expected.length).toBeGreaterThan(oracle.size / 2);
    const sort = (list: Row[]) =>
      list.sort((a, b) => a.windowStart - b.windowStart || (a.key < b.key ? -1 : 1));
    expect(sort(rows), run.stderr.slice(-2000)).toEqual(sort(expected));
  }, 180_000);
});
