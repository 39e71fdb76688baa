import { describe, expect, it } from 'vitest';
import { DEFAULT_GENERATOR_RATE, generatorRate, loadConfig } from '../../src/config/index.ts';

const rate = (env: Record<string, string>): number => generatorRate(loadConfig(env, { cpus: 2 }));

describe('SLUICE_GENERATOR_RATE', () => {
  it('unset, paces an endless run at 10,000 events per second', () => {
    expect(DEFAULT_GENERATOR_RATE).toBe(10_000);
    expect(rate({})).toBe(10_000);
    expect(rate({ SLUICE_TRIGGER: 'micro-batch' })).toBe(10_000);
    expect(rate({ SLUICE_TRIGGER: 'continuous' })).toBe(10_000);
  });

  it('unset, leaves an available-now run unpaced: the events it holds are there at the start', () => {
    expect(rate({ SLUICE_TRIGGER: 'available-now' })).toBe(0);
  });

  it('0 is as fast as the slots go, under every trigger', () => {
    expect(rate({ SLUICE_GENERATOR_RATE: '0' })).toBe(0);
    expect(rate({ SLUICE_GENERATOR_RATE: '0', SLUICE_TRIGGER: 'continuous' })).toBe(0);
  });

  it('set, paces every trigger, available-now too', () => {
    expect(rate({ SLUICE_GENERATOR_RATE: '250' })).toBe(250);
    expect(rate({ SLUICE_GENERATOR_RATE: '250', SLUICE_TRIGGER: 'available-now' })).toBe(250);
  });
});
