import { describe, expect, it } from 'vitest';
import { buildGraph, defineJob } from '../../src/dsl/index.ts';

// toKafka(topic, { create }): what the job may ask of a missing output topic, checked when it is built.

function sinkOf(create: unknown) {
  const graph = buildGraph(
    defineJob((ctx) => {
      // The point is options the types do not catch.
      ctx.stream().toKafka('out', { create: create as { partitions: number } });
    }),
    {},
  );
  const output = graph.nodes.find((node) => node.kind === 'output');
  return output?.kind === 'output' ? output.sink : undefined;
}

describe('toKafka create', () => {
  it('keeps what is asked, and nothing more', () => {
    expect(sinkOf({ partitions: 3 })).toMatchObject({
      type: 'kafka',
      topic: 'out',
      create: { partitions: 3 },
    });
    expect(sinkOf({ partitions: 1, compact: true, replicationFactor: 1 })).toMatchObject({
      create: { partitions: 1, compact: true, replicationFactor: 1 },
    });
    expect(sinkOf({ partitions: 2, compact: false })).toMatchObject({ create: { partitions: 2 } });
  });

  it.each([
    [null, 'toKafka(out): create must be { partitions, compact?, replicationFactor? }; got null'],
    [{}, 'toKafka(out): create.partitions must be an integer from 1 to 10000; got undefined'],
    [{ partitions: 0 }, 'create.partitions must be an integer from 1 to 10000; got 0'],
    [{ partitions: 1e300 }, 'create.partitions must be an integer from 1 to 10000; got 1e+300'],
    [{ partitions: '4' }, 'create.partitions must be an integer from 1 to 10000; got "4"'],
    [{ partitions: Number.NaN }, 'create.partitions must be an integer from 1 to 10000; got NaN'],
    [{ partitions: 1, compact: 'yes' }, 'create.compact must be true or false; got "yes"'],
    [
      { partitions: 1, replicationFactor: 0.5 },
      'create.replicationFactor must be an integer from 1 to 32; got 0.5',
    ],
    [
      JSON.parse('{"partitions":1,"__proto__":{"x":1}}'),
      'create has no option "__proto__"; the options are partitions, compact, replicationFactor',
    ],
  ])('refuses %j', (create, message) => {
    expect(() => sinkOf(create)).toThrow(message);
  });
});
