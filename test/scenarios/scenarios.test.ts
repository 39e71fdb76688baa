import { describe, expect, it } from 'vitest';
import {
  LOG_BURST_MS,
  logBursts,
  logLines,
  SCENARIO_EPOCH,
  SCENARIO_NAMES,
  SCENARIOS,
  type ScenarioOptions,
} from '../../src/scenarios/index.ts';

const take = (name: (typeof SCENARIO_NAMES)[number], options: ScenarioOptions) => [
  ...SCENARIOS[name].records(options),
];

describe('scenarios', () => {
  for (const name of SCENARIO_NAMES) {
    const { defaultCount: count, defaultInject: inject } = SCENARIOS[name];
    it(`${name}: the same seed gives the same records, another seed others, exactly --count of them`, () => {
      const a = take(name, { seed: 42, count, inject });
      expect(a).toHaveLength(count);
      expect(take(name, { seed: 42, count, inject })).toEqual(a);
      const other = take(name, { seed: 43, count, inject });
      expect(other).toHaveLength(count);
      expect(other).not.toEqual(a);
      // Seeds 2^32 apart are different seeds too.
      expect(take(name, { seed: 42 + 2 ** 32, count, inject })).not.toEqual(a);
      expect(SCENARIOS[name].problem({ seed: 42, count, inject })).toBeUndefined();
    });
  }

  it('logs: bursts apart from each other inside the lines, 5xx in most of their lines', () => {
    const options = { seed: 42, count: 12_000, inject: 3 };
    const bursts = logBursts(options);
    expect(bursts).toHaveLength(3);
    const end = SCENARIO_EPOCH + 600_000;
    for (const [k, burst] of bursts.entries()) {
      expect(burst.end - burst.start).toBe(LOG_BURST_MS);
      expect(burst.start % 1000).toBe(0);
      expect(burst.start).toBeGreaterThanOrEqual(SCENARIO_EPOCH + 20_000);
      expect(burst.end).toBeLessThanOrEqual(end);
      const next = bursts[k + 1];
      if (next) expect(next.start - burst.end).toBeGreaterThanOrEqual(60_000);
    }
    const entries = [...logLines(options)].flatMap((line) => (line.entry ? [line.entry] : []));
    const inBurst = entries.filter((e) => bursts.some((b) => e.ts >= b.start && e.ts < b.end));
    const share = (list: typeof entries) => list.filter((e) => e.status >= 500).length / list.length;
    expect(share(inBurst)).toBeGreaterThan(0.5);
    expect(share(entries.filter((e) => !inBurst.includes(e)))).toBeLessThan(0.02);
    expect(logBursts({ ...options, inject: 0 })).toEqual([]);
  });

  it('logs: refuses more bursts than the lines hold, naming the count it needs', () => {
    expect(SCENARIOS.logs.problem({ seed: 1, count: 4_199, inject: 3 })).toBe(
      '--inject 3 error bursts need --count 4200 or more for scenario logs (70 s of lines each, at 20 a second); got 4199',
    );
    expect(SCENARIOS.logs.problem({ seed: 1, count: 4_200, inject: 3 })).toBeUndefined();
  });
});
