// The generator's pace when SLUICE_GENERATOR_RATE is unset.

import type { SluiceConfig } from './types.ts';

/** Events per second of an endless generator run: enough to watch a live job without taking a core. */
export const DEFAULT_GENERATOR_RATE = 10_000;

/**
 * Events per second the generator hands out over all partitions; 0 is as fast as the slots go.
 * Unset, an available-now run is not paced: the events it holds are all there at the start.
 */
export function generatorRate(config: Pick<SluiceConfig, 'generatorRate' | 'trigger'>): number {
  if (config.generatorRate !== undefined) return config.generatorRate;
  return config.trigger === 'available-now' ? 0 : DEFAULT_GENERATOR_RATE;
}
