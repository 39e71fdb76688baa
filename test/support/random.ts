/** Deterministic PRNG (mulberry32), so a failing random case can be replayed from its seed. */
export { seededRandom as random } from '../../src/core/index.ts';
