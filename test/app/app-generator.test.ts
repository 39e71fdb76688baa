import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startApp } from '../../src/app/index.ts';
import { loadConfig } from '../../src/config/index.ts';
import { silentLogger } from '../../src/core/index.ts';
import { clickAt } from '../../src/task/index.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function expectedBy(
  field: 'url' | 'status',
  partitions: number,
  events: number,
  agg: (values: number[]) => number,
  measure: (c: ReturnType<typeof clickAt>) => number,
) {
  const groups = new Map<string, number[]>();
  for (let p = 0; p < partitions; p++) {
    for (let o = 0; o < events; o++) {
      const click = clickAt({ seed: 7, partitions }, p, o);
      const key = String(click[field]);
      groups.set(key, [...(groups.get(key) ?? []), measure(click)]);
    }
  }
  return new Map([...groups].map(([key, values]) => [key, agg(values)]));
}

async function runAggregate(
  env: Record<string, string>,
): Promise<{ rows: { key: unknown; value: number }[]; files: number; batches: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-app-'));
  dirs.push(dir);
  const full = {
    SLUICE_TRIGGER: 'available-now',
    SLUICE_GENERATOR_SEED: '7',
    SLUICE_SINK: `file:${dir}`,
    ...env,
  };
  const config = loadConfig(full);
  const app = await startApp({ config, env: full, log: silentLogger });
  const summary = await app.done;
  const files = readdirSync(dir).filter((name) => name.endsWith('.jsonl'));
  const rows = files.flatMap((name) =>
    readFileSync(join(dir, name), 'utf8')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { key: unknown; value: number }),
  );
  return { rows, files: files.length, batches: summary.batches };
}

describe('the aggregate job on the generator, in real worker slots', () => {
  it('counts clicks by url exactly, over 3 partitions in 2 slots, in batches of at most 700', async () => {
    const { rows, files, batches } = await runAggregate({
      SLUICE_GENERATOR_PARTITIONS: '3',
      SLUICE_GENERATOR_EVENTS: '2000',
      SLUICE_MAX_RECORDS_PER_BATCH: '700',
      SLUICE_WORKERS: '2',
    });
    expect(batches).toBe(3);
    expect(files).toBe(3);
    const totals = new Map<string, number>();
    for (const row of rows) totals.set(String(row.key), (totals.get(String(row.key)) ?? 0) + row.value);
    expect(totals).toEqual(
      expectedBy(
        'url',
        3,
        2000,
        (v) => v.length,
        () => 1,
      ),
    );
    expect([...totals.values()].reduce((a, b) => a + b, 0)).toBe(6000);
  });

  it('averages bytes by status in one batch', async () => {
    const { rows } = await runAggregate({
      SLUICE_GENERATOR_PARTITIONS: '2',
      SLUICE_GENERATOR_EVENTS: '500',
      SLUICE_WORKERS: '1',
      SLUICE_KEY_FIELD: 'status',
      SLUICE_VALUE_FIELD: 'bytes',
      SLUICE_AGG: 'avg',
    });
    const expectedAvg = expectedBy(
      'status',
      2,
      500,
      (v) => v.reduce((a, b) => a + b, 0) / v.length,
      (c) => c.bytes,
    );
    expect(new Map(rows.map((row) => [String(row.key), row.value]))).toEqual(expectedAvg);
  });

  it('writes window bounds equal to the batch interval', async () => {
    const { rows } = await runAggregate({
      SLUICE_GENERATOR_PARTITIONS: '1',
      SLUICE_GENERATOR_EVENTS: '10',
      SLUICE_BATCH_INTERVAL_MS: '250',
      SLUICE_WORKERS: '1',
    });
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows as unknown as { windowStart: number; windowEnd: number }[]) {
      expect(row.windowEnd - row.windowStart).toBe(250);
    }
  });
});

describe('the running-count job (SLUICE_JOB=running-count) on the generator, in real worker slots', () => {
  it("ends with every status's exact count since the start, in the last batch's rows", async () => {
    const { rows, batches } = await runAggregate({
      SLUICE_JOB: 'running-count',
      SLUICE_GENERATOR_PARTITIONS: '3',
      SLUICE_GENERATOR_EVENTS: '400',
      SLUICE_MAX_RECORDS_PER_BATCH: '150',
      SLUICE_WORKERS: '2',
      SLUICE_KEY_FIELD: 'status',
    });
    expect(batches).toBeGreaterThan(1);
    const last = Math.max(...rows.map((row) => (row as unknown as { time: number }).time));
    const final = rows.filter((row) => (row as unknown as { time: number }).time === last);
    const expected = expectedBy(
      'status',
      3,
      400,
      (v) => v.length,
      () => 1,
    );
    expect(new Map(final.map((row) => [String(row.key), row.value]))).toEqual(expected);
  });
});
