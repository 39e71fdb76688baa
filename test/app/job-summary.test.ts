import { describe, expect, it } from 'vitest';
import { resolveJobPath } from '../../src/app/index.ts';
import { jobSummary } from '../../src/app/job-summary.ts';
import { loadConfig } from '../../src/config/index.ts';
import { buildGraph, defineJob, Plan } from '../../src/dsl/index.ts';
import { Aggregations, Windows } from '../../src/window/index.ts';

describe('jobSummary', () => {
  it("names a job file's operators, what sets each apart, their parents and thread", () => {
    const plan = new Plan(
      buildGraph(
        defineJob((ctx) => {
          const pairs = ctx
            .stream<string>('clicks')
            .withWatermark(500)
            .map((record): [string, number] => [record.value, 1]);
          pairs.windowAggregate(Windows.sliding(2000, 1000), Aggregations.sum()).toKafka('counts');
          pairs.updateStateByKey<number>((values, state) => (state ?? 0) + values.length).print();
        }),
        {},
      ),
    );
    const summary = jobSummary('/jobs/clicks.ts', plan, loadConfig({}));
    expect(summary).toEqual({
      name: 'clicks.ts',
      builtIn: false,
      path: '/jobs/clicks.ts',
      settings: {},
      topics: '(generator)',
      operators: [
        { id: 0, kind: 'source', detail: summary.operators[0]?.detail, parents: [], thread: 'slot' },
        { id: 1, kind: 'withWatermark', detail: 'lateness 500 ms', parents: [0], thread: 'slot' },
        { id: 2, kind: 'map', detail: '', parents: [1], thread: 'slot' },
        { id: 3, kind: 'windowAggregate', detail: '2000 ms / 1000 ms, final', parents: [2], thread: 'main' },
        { id: 4, kind: 'output', detail: 'toKafka counts', parents: [3], thread: 'main' },
        { id: 5, kind: 'updateStateByKey', detail: '', parents: [2], thread: 'main' },
        { id: 6, kind: 'output', detail: 'print', parents: [5], thread: 'main' },
      ],
    });
    // An input that names its topics says so; one of SLUICE_TOPICS would say which those are.
    expect(summary.operators[0]?.detail).toContain('clicks');
    const plain = new Plan(
      buildGraph(
        defineJob((ctx) => ctx.stream().print()),
        {},
      ),
    );
    const config = loadConfig({ SLUICE_BROKERS: 'k:9092', SLUICE_TOPICS: 'a,b' });
    expect(jobSummary('/jobs/plain.ts', plain, config).operators[0]?.detail).toBe('SLUICE_TOPICS a,b');
    expect(jobSummary('/jobs/plain.ts', plain, config).topics).toBe('a,b');
  });

  it("gives the built-in aggregate job's settings", () => {
    const config = loadConfig({ SLUICE_KEY_FIELD: 'user', SLUICE_AGG: 'count', SLUICE_WINDOW_MS: '10000' });
    const plan = new Plan(
      buildGraph(
        defineJob((ctx) => ctx.stream().print()),
        {},
      ),
    );
    expect(jobSummary(resolveJobPath('aggregate'), plan, config)).toMatchObject({
      name: 'aggregate',
      builtIn: true,
      settings: {
        keyField: 'user',
        agg: 'count',
        windowMs: 10000,
        slideMs: 10000,
        windowType: 'time',
        time: 'processing',
      },
    });
  });
});
