import { expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';

// Hostile --scenario flags through the real command: one bounded line per problem, exit 2, before
// anything connects (the brokers named here do not exist).

it('sluice produce --scenario with hostile flags: exit 2, every problem named, nothing written', async () => {
  const result = await runCli(
    [
      'produce',
      '--topic',
      'x',
      '--scenario',
      'nope',
      '--count',
      '-5',
      '--rate',
      '1e300',
      '--seed',
      'NaN',
      '--inject',
      '1e9',
    ],
    { SLUICE_BROKERS: '127.0.0.1:1' },
  );
  expect(result.code).toBe(2);
  expect(result.stdout).toBe('');
  expect(result.stderr.trim().split('\n')).toEqual([
    'SLUICE_USAGE: --rate must be an integer >= 1; got "1e300"',
    '--scenario must be one of logs, metrics, shop; got "nope"',
    '--count must be an integer >= 1; got "-5"',
    '--seed must be an integer; got "NaN"',
  ]);
  const tooMany = await runCli(['produce', '--topic', 'x', '--scenario', 'shop', '--inject', '21'], {
    SLUICE_BROKERS: '127.0.0.1:1',
  });
  expect(tooMany.code).toBe(2);
  expect(tooMany.stderr.trim()).toBe(
    'SLUICE_USAGE: --inject must be at most 20 bundles for scenario shop (two of its 120 items each); got 21',
  );
});
