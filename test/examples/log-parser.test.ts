import { describe, expect, it } from 'vitest';
import { parseLogLine } from '../../examples/logs/log-parser.ts';
import { isSluiceError } from '../../src/errors/index.ts';
import { formatLogLine, logLines } from '../../src/scenarios/index.ts';

const APACHE =
  '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)"';

function refusal(line: string): string {
  try {
    parseLogLine(line);
  } catch (error) {
    expect(isSluiceError(error, 'SLUICE_DECODE')).toBe(true);
    return (error as Error).message;
  }
  throw new Error(`accepted ${line}`);
}

describe('parseLogLine', () => {
  it("reads Apache's own example, its time zone included", () => {
    expect(parseLogLine(APACHE)).toEqual({
      ts: Date.UTC(2000, 9, 10, 20, 55, 36),
      ip: '127.0.0.1',
      method: 'GET',
      url: '/apache_pb.gif',
      status: 200,
      bytes: 2326,
    });
  });

  it('reads "-" bytes as 0 and a +hhmm zone', () => {
    const line = APACHE.replace('-0700', '+0130').replace(' 200 2326 ', ' 304 - ');
    expect(parseLogLine(line)).toMatchObject({
      ts: Date.UTC(2000, 9, 10, 12, 25, 36),
      status: 304,
      bytes: 0,
    });
  });

  it('gives back what the logs scenario wrote, for every good line', () => {
    for (const { line, entry } of logLines({ seed: 7, count: 2_000, inject: 0 })) {
      if (entry === undefined) continue;
      expect(formatLogLine(entry)).toBe(line);
      const { ts, ip, method, url, status, bytes } = entry;
      expect(parseLogLine(line)).toEqual({ ts, ip, method, url, status, bytes });
    }
  });

  it("refuses every spoiled line of the scenario, and dates that do not exist, with the line's start", () => {
    const spoiled = [...logLines({ seed: 7, count: 4_000, inject: 0 })].filter((line) => !line.entry);
    expect(spoiled.length).toBeGreaterThan(5);
    for (const { line } of spoiled) expect(refusal(line)).toMatch(/^not a combined log format line/);
    expect(refusal(APACHE.replace('10/Oct', '31/Feb'))).toContain('its time is not a date');
    expect(refusal(APACHE.replace('13:55:36', '24:00:00'))).toContain('its time is not a date');
    const long = refusal(`x${'y'.repeat(10_000)}`);
    expect(long).toContain('… (10001 characters)');
    expect(long.length).toBeLessThan(250);
  });
});
