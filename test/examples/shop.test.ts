import { describe, expect, it } from 'vitest';
import coVisits, { type CoVisit, HORIZON_MS, type ShopEvent } from '../../examples/shop/co-visits.ts';
import { recommend } from '../../examples/shop/recommendations.ts';
import { TestDriver } from '../../src/testing/index.ts';

const event = (ts: number, user: string, item: string, type: ShopEvent['type'] = 'view'): ShopEvent => ({
  ts,
  user,
  item,
  type,
});

describe('examples/shop on the TestDriver', () => {
  it('co-visits: each event pairs with the distinct items the user saw within the horizon, both ways, in time order', async () => {
    const driver = new TestDriver(coVisits, { topic: 'shop-events' });
    const first = await driver.runBatch([
      { partition: 0, key: 'u1', value: event(1_000, 'u1', 'a') },
      { partition: 0, key: 'u1', value: event(2_000, 'u1', 'b') },
      { partition: 0, key: 'u2', value: event(1_500, 'u2', 'a') },
      { partition: 0, key: 'u1', value: event(3_000, 'u1', 'a', 'purchase') },
    ]);
    const pairs = (batch: typeof first) =>
      ((batch.outputs[0]?.values ?? []) as CoVisit[]).map(
        ({ item, other, weight, ts }) => `${ts} ${item}>${other} ${weight}`,
      );
    expect(pairs(first)).toEqual(['2000 b>a 1', '2000 a>b 1', '3000 a>b 3', '3000 b>a 3']);
    // The user's a (last seen at 3000) is past the horizon at 3000 + HORIZON_MS; b (2000) too.
    const second = await driver.runBatch([
      { partition: 0, key: 'u1', value: event(2_000 + HORIZON_MS, 'u1', 'c') },
      { partition: 0, key: 'u2', value: event(1_600, 'u2', 'd') },
    ]);
    expect(pairs(second)).toEqual([
      '1600 d>a 1',
      '1600 a>d 1',
      `${2_000 + HORIZON_MS} c>a 1`,
      `${2_000 + HORIZON_MS} a>c 1`,
    ]);
  });

  it('recommend: per window and item, the highest scores first, ties by item name', () => {
    const row = (item: string, other: string, value: number, windowStart = 0) => ({
      key: [item, other] as const,
      windowStart,
      windowEnd: windowStart + 10,
      value,
    });
    expect(
      recommend(
        [row('a', 'z', 2), row('a', 'c', 5), row('a', 'b', 2), row('b', 'a', 1), row('a', 'x', 1, 10)],
        2,
      ),
    ).toEqual([
      {
        item: 'a',
        windowStart: 0,
        windowEnd: 10,
        recommendations: [
          { item: 'c', score: 5 },
          { item: 'b', score: 2 },
        ],
      },
      { item: 'b', windowStart: 0, windowEnd: 10, recommendations: [{ item: 'a', score: 1 }] },
      { item: 'a', windowStart: 10, windowEnd: 20, recommendations: [{ item: 'x', score: 1 }] },
    ]);
  });
});
