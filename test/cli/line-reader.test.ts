import { describe, expect, it } from 'vitest';
import { type Line, readLines } from '../../src/cli/line-reader.ts';

async function lines(chunks: readonly (string | Buffer)[], maxBytes = 100): Promise<unknown[]> {
  const out: unknown[] = [];
  async function* input(): AsyncGenerator<Buffer | string> {
    yield* chunks;
  }
  for await (const line of readLines(input(), maxBytes)) out.push(shown(line));
  return out;
}

const shown = (line: Line): unknown =>
  'tooLong' in line
    ? { n: line.number, tooLong: line.tooLong }
    : { n: line.number, bytes: line.bytes.toString('hex') };
const hex = (text: string): string => Buffer.from(text).toString('hex');

describe('readLines', () => {
  it('splits at \\n, drops a \\r before it, keeps a last line without a line end and empty lines', async () => {
    expect(await lines(['a\r\nb\n\n', 'c'])).toEqual([
      { n: 1, bytes: hex('a') },
      { n: 2, bytes: hex('b') },
      { n: 3, bytes: '' },
      { n: 4, bytes: hex('c') },
    ]);
  });

  it('gives nothing for empty input, and no extra line after a final \\n', async () => {
    expect(await lines([])).toEqual([]);
    expect(await lines(['x\n'])).toEqual([{ n: 1, bytes: hex('x') }]);
  });

  it('joins a line across chunks, a \\r\\n split between them too', async () => {
    expect(await lines(['ab', 'c\r', '\nd\r', 'e\n'])).toEqual([
      { n: 1, bytes: hex('abc') },
      { n: 2, bytes: hex('d\re') },
    ]);
  });

  it('keeps bytes that are not UTF-8 as they are', async () => {
    expect(await lines([Buffer.from([0xff, 0xfe, 0x0a, 0xc3])])).toEqual([
      { n: 1, bytes: 'fffe' },
      { n: 2, bytes: 'c3' },
    ]);
  });

  it('counts a line longer than allowed without keeping it, and goes on after it', async () => {
    const long = 'x'.repeat(40);
    expect(await lines([long, long, '\r\nok\n', long], 50)).toEqual([
      { n: 1, tooLong: 80 },
      { n: 2, bytes: hex('ok') },
      { n: 3, bytes: hex(long) },
    ]);
    // Exactly the limit fits, with or without a \r.
    expect(await lines(['12345\r\n12345\n123456'], 5)).toEqual([
      { n: 1, bytes: hex('12345') },
      { n: 2, bytes: hex('12345') },
      { n: 3, tooLong: 6 },
    ]);
  });
});
