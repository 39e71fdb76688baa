import { describe, expect, it } from 'vitest';
import { BENCH_USAGE, parseBenchArgs } from '../../src/cli/bench.ts';
import { isSluiceError } from '../../src/errors/index.ts';

const env = { SLUICE_BROKERS: '127.0.0.1:9092' };

function problems(args: readonly string[]): string[] {
  try {
    parseBenchArgs(args, env);
  } catch (error) {
    expect(isSluiceError(error, 'SLUICE_USAGE')).toBe(true);
    return (error as Error).message.split('\n');
  }
  throw new Error('no problem reported');
}

describe('sluice bench arguments', () => {
  it('documents every flag in --help', () => {
    expect(parseBenchArgs(['--help'], {})).toEqual({ help: true });
    const flags = [
      'mode',
      'capacity',
      'job',
      'events',
      'partitions',
      'value-bytes',
      'keys',
      'key-skew',
      'compression',
      'seed',
      'trigger',
      'workers',
      'max-records',
      'max-bytes',
      'fetch-max-bytes',
      'backpressure',
      'guarantee',
      'sink',
      'sink-compression',
      'target-latency',
      'rates',
      'duration',
      'rounds',
      'no-reference',
      'max-minutes',
      'quick',
      'out',
      'target-p99',
      'json',
      'help',
    ];
    for (const flag of flags) expect(BENCH_USAGE).toContain(`--${flag}`);
  });

  it('sweeps the defaults: two triggers by one and two slots, five rates, three rounds', () => {
    const parsed = parseBenchArgs([], env);
    if (parsed.help) throw new Error('help');
    expect(parsed.plan.configs.map((config) => config.label)).toEqual([
      'micro-batch 100 ms · 1 slot',
      'micro-batch 100 ms · 2 slots',
      'continuous · 1 slot',
      'continuous · 2 slots',
    ]);
    expect(parsed.plan).toMatchObject({
      brokers: '127.0.0.1:9092',
      catchUp: true,
      latency: true,
      rates: [10, 25, 50, 75, 90],
      rounds: 3,
      reference: true,
      maxMinutes: 60,
      workload: { job: 'aggregate', events: 1_000_000, partitions: 8, durationSeconds: 20, keySkew: 0 },
    });
    expect(parsed.out).toMatch(/\/bench-results$/);
  });

  it('--quick: a short sweep, and each flag still wins over it', () => {
    const parsed = parseBenchArgs(
      ['--quick', '--workers', '2', '--trigger', 'micro-batch:250', '--no-reference'],
      {},
    );
    if (parsed.help) throw new Error('help');
    expect(parsed.plan).toMatchObject({
      brokers: undefined,
      rates: [25, 50],
      rounds: 1,
      reference: false,
      workload: { events: 20_000, partitions: 4, durationSeconds: 3 },
    });
    expect(parsed.plan.configs).toEqual([
      {
        label: 'micro-batch 250 ms · 2 slots',
        env: {
          SLUICE_TRIGGER: 'micro-batch',
          SLUICE_BATCH_INTERVAL_MS: '250',
          SLUICE_WORKERS: '2',
        },
        axes: { trigger: 'micro-batch 250 ms', workers: 2, sink: 'file' },
      },
    ]);
  });

  it('takes off among the latency targets for a configuration without one', () => {
    const parsed = parseBenchArgs(['--quick', '--target-latency', 'off,150'], env);
    if (parsed.help) throw new Error('help');
    expect(parsed.plan.configs.map((config) => [config.label, config.env.SLUICE_TARGET_LATENCY_MS])).toEqual([
      ['micro-batch 100 ms · 1 slot · no latency target', undefined],
      ['micro-batch 100 ms · 1 slot · target p99 150 ms', '150'],
      ['continuous · 1 slot · no latency target', undefined],
      ['continuous · 1 slot · target p99 150 ms', '150'],
    ]);
  });

  it('reports every bad value at once, and latency alone without a capacity', () => {
    expect(
      problems([
        '--mode',
        'latency',
        '--trigger',
        'micro-batch:x,continuous',
        '--workers',
        '0',
        '--rates',
        '50,500',
        '--key-skew',
        '-1',
        '--guarantee',
        '__proto__',
        '--events',
        '1e300',
      ]),
    ).toEqual([
      '--mode latency needs --capacity <events/s>',
      '--trigger has values it cannot take: "micro-batch:x"',
      '--workers has values it cannot take: "0"',
      '--guarantee has values it cannot take: "__proto__"',
      '--key-skew must be a number from 0 to 3; got "-1"',
      expect.stringMatching(/^--events must be an integer/),
      '--rates has values it cannot take: "500"',
    ]);
  });
});
