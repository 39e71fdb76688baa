import { describe, expect, it } from 'vitest';
import {
  encodeForward,
  encodeWindowMessage,
  type PartitionWork,
  WindowExchange,
  type WindowMessage,
} from '../../src/coordinator/index.ts';
import { RepartitionIngress } from '../../src/coordinator/repartition-ingress.ts';
import { toOffset } from '../../src/core/index.ts';
import { buildGraph, defineJob, Plan } from '../../src/dsl/index.ts';
import { isSluiceError } from '../../src/errors/index.ts';
import { Aggregations, Windows } from '../../src/window/index.ts';

const plan = new Plan(
  buildGraph(
    defineJob((ctx) => {
      const pairs = ctx.stream<{ k: string }>().map((r): [string, number] => [r.value.k, 1]);
      pairs.updateStateByKey<number>((values, sum) => (sum ?? 0) + values.length).print();
      pairs.windowAggregate(Windows.tumbling(10), Aggregations.count()).print();
    }),
    {},
  ),
);
const stateNode = plan.keyedStates[0]?.id as number;
const windowNode = plan.windowAggregates[0]?.id as number;
const topics = new Map([
  ['sums-repartition', stateNode],
  ['windows-repartition', windowNode],
]);

function work(topic: string, partition: number, values: readonly (Uint8Array | null)[]): PartitionWork {
  return {
    range: { topic, partition, fromOffset: toOffset(5n), untilOffset: toOffset(5n + BigInt(values.length)) },
    records: values.length,
    task: () => {
      throw new Error('read on the main thread, never in a slot');
    },
    values: () => values,
    settled: () => {},
  };
}

describe('RepartitionIngress', () => {
  const ingress = new RepartitionIngress(plan, { topics, write: async () => {} });

  it('tells repartition topics from input topics', () => {
    expect(ingress.isRepartition('sums-repartition')).toBe(true);
    expect(ingress.isRepartition('t')).toBe(false);
    expect(
      ingress.inputs([
        { topic: 't', partition: 1 },
        { topic: 'windows-repartition', partition: 1 },
      ]),
    ).toEqual([{ topic: 't', partition: 1 }]);
  });

  it("decodes each state operation's forwarded groups and each window operation's messages, skipping nulls", () => {
    const progress: WindowMessage = { type: 'progress', through: [[0, 20]] };
    const routing = ingress.routing([
      work('t', 0, [new Uint8Array([1])]),
      work('sums-repartition', 1, [encodeForward('a', [1, 2]), null, encodeForward('b', [3])]),
      work('windows-repartition', 2, [encodeWindowMessage(progress)]),
      work('sums-repartition', 0, [encodeForward('a', [4])]),
    ]);
    expect([...(routing?.incoming.get(stateNode)?.groups() ?? [])]).toEqual([
      ['a', [1, 2, 4]],
      ['b', [3]],
    ]);
    expect(routing?.incoming.has(windowNode)).toBe(false);
    expect(routing?.outgoing).toEqual([]);
    // Without an exchange, window messages are not routed.
    expect(routing?.windows).toBeUndefined();
  });

  it("with an exchange, routes the window operations' messages with the partition they were read from", () => {
    const exchange = new WindowExchange({ topic: 't', partitions: 3 });
    const windowed = new RepartitionIngress(plan, { topics, write: async () => {} }, exchange);
    const partials: WindowMessage = {
      type: 'partials',
      topic: 't',
      partition: 0,
      start: 0,
      end: 10,
      pairs: [['a', 2]],
    };
    const progress: WindowMessage = { type: 'progress', through: [[0, 20]] };
    const routing = windowed.routing([
      work('windows-repartition', 2, [encodeWindowMessage(partials), null]),
      work('windows-repartition', 1, [encodeWindowMessage(progress)]),
    ]);
    expect(routing?.windows?.exchange).toBe(exchange);
    expect(routing?.windows?.incoming.get(windowNode)).toEqual([
      { partition: 2, message: partials },
      { partition: 1, message: progress },
    ]);
  });

  it('names the record that does not decode: topic-partition, first offset and index', () => {
    let error: unknown;
    try {
      ingress.routing([work('sums-repartition', 3, [null, new Uint8Array([0xc1])])]);
    } catch (caught) {
      error = caught;
    }
    expect(isSluiceError(error) && error.code).toBe('SLUICE_REPARTITION');
    expect((error as Error).message).toMatch(/^sums-repartition-3 from offset 5 \(\+1\): /);
  });

  it('without repartition topics, a batch has no routing', () => {
    expect(new RepartitionIngress(plan).routing([work('t', 0, [])])).toBeUndefined();
    expect(new RepartitionIngress(plan).isRepartition('sums-repartition')).toBe(false);
  });
});
