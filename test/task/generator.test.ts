import { describe, expect, it } from 'vitest';
import { clickAt } from '../../src/task/index.ts';

describe('generator source', () => {
  const spec = { seed: 42, partitions: 4 };

  it('is deterministic per (seed, partition, offset)', () => {
    expect(clickAt(spec, 1, 12345)).toEqual(clickAt({ ...spec }, 1, 12345));
    expect(clickAt(spec, 1, 12345)).not.toEqual(clickAt(spec, 2, 12345));
    expect(clickAt(spec, 1, 12345)).not.toEqual(clickAt({ ...spec, seed: 43 }, 1, 12345));
  });

  it('gives event times 10 ms apart per partition from 2026-01-01', () => {
    expect(clickAt(spec, 0, 0).ts).toBe(Date.UTC(2026, 0, 1));
    expect(clickAt(spec, 3, 100).ts).toBe(Date.UTC(2026, 0, 1) + 1000);
  });

  it('has fields in range and a skewed URL distribution with 90% status 200', () => {
    const counts = new Map<string, number>();
    let ok = 0;
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const click = clickAt(spec, i % 4, i);
      expect(click.url).toMatch(/^\/p\/\d{1,3}$/);
      expect(click.user).toMatch(/^u\d{1,4}$/);
      expect([200, 404, 500]).toContain(click.status);
      expect(click.bytes).toBeGreaterThanOrEqual(100);
      expect(click.bytes).toBeLessThan(10_000);
      expect(click.latencyMs).toBeGreaterThanOrEqual(1);
      expect(click.latencyMs).toBeLessThanOrEqual(500);
      counts.set(click.url, (counts.get(click.url) ?? 0) + 1);
      if (click.status === 200) ok++;
    }
    expect(ok / n).toBeGreaterThan(0.88);
    expect(ok / n).toBeLessThan(0.92);
    // Skew: /p/0..99 (10% of pages) get about a third of the traffic.
    const hot = [...counts].filter(([url]) => Number(url.slice(3)) < 100).reduce((s, [, c]) => s + c, 0);
    expect(hot / n).toBeGreaterThan(0.28);
    expect(hot / n).toBeLessThan(0.36);
  });
});
