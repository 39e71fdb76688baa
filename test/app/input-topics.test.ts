import { describe, expect, it } from 'vitest';
import { withInputTopics } from '../../src/app/input-topics.ts';
import { loadConfig } from '../../src/config/index.ts';
import { buildGraph, defineJob, type JobBuilder, Plan } from '../../src/dsl/index.ts';

const inputsOf = (build: JobBuilder) => new Plan(buildGraph(defineJob(build), {})).inputs;
const kafka = (topics?: string) =>
  loadConfig({ SLUICE_BROKERS: '127.0.0.1:9092', ...(topics ? { SLUICE_TOPICS: topics } : {}) });

describe('the topics a run subscribes to', () => {
  it('SLUICE_TOPICS alone for a job of ctx.stream()', () => {
    const config = kafka('clicks,views');
    expect(
      withInputTopics(
        config,
        inputsOf((ctx) => ctx.stream().print()),
      ).topics,
    ).toBe(config.topics);
  });

  it('a job whose inputs all name their topics needs no SLUICE_TOPICS, and reads theirs', () => {
    const inputs = inputsOf((ctx) =>
      ctx
        .stream('orders')
        .union(ctx.stream(['returns', 'orders']))
        .print(),
    );
    expect(withInputTopics(kafka(), inputs).topics).toEqual({ type: 'list', topics: ['orders', 'returns'] });
  });

  it('SLUICE_TOPICS and named topics together; with a pattern, one anchored pattern of all', () => {
    const both = withInputTopics(
      kafka('clicks'),
      inputsOf((ctx) => ctx.stream().union(ctx.stream('orders')).print()),
    );
    expect(both.topics).toEqual({ type: 'list', topics: ['clicks', 'orders'] });
    const pattern = withInputTopics(
      kafka('a.b'),
      inputsOf((ctx) =>
        ctx
          .stream()
          .union(ctx.stream(/^logs-/, { format: 'string' }))
          .print(),
      ),
    ).topics;
    if (pattern?.type !== 'pattern') throw new Error('expected a pattern');
    expect(['a.b', 'logs-1'].map((topic) => pattern.pattern.test(topic))).toEqual([true, true]);
    // The names are names: their dots match dots only, and nothing around them.
    expect(['axb', 'xa.b', 'a.bx', 'xlogs-1'].map((topic) => pattern.pattern.test(topic))).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });

  it('refuses ctx.stream() on Kafka without SLUICE_TOPICS, and named topics without SLUICE_BROKERS', () => {
    expect(() =>
      withInputTopics(
        kafka(),
        inputsOf((ctx) => ctx.stream().print()),
      ),
    ).toThrow(
      "SLUICE_TOPICS is required when SLUICE_BROKERS is set: the job reads ctx.stream() (a job that names its topics, ctx.stream('orders'), goes without)",
    );
    expect(() =>
      withInputTopics(
        loadConfig({}),
        inputsOf((ctx) => ctx.stream('orders').print()),
      ),
    ).toThrow(
      "the job's input orders:json reads Kafka topics: set SLUICE_BROKERS (without it, ctx.stream() reads the built-in generator)",
    );
  });

  it('refuses patterns whose flags differ', () => {
    const inputs = inputsOf((ctx) => ctx.stream(/^a/i).union(ctx.stream(/^b/)).print());
    expect(() => withInputTopics(kafka(), inputs)).toThrow(
      `the job's topic patterns have different flags ("i", ""): one subscription cannot hold them; give them the same flags`,
    );
  });
});
