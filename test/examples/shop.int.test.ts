import { describe, expect, it } from 'vitest';
import { HISTORY_ITEMS, HORIZON_MS, PURCHASE_WEIGHT } from '../../examples/shop/co-visits.ts';
import { type Recommendations, SLIDE_MS, TOP_N, WINDOW_MS } from '../../examples/shop/recommendations.ts';
import { type ShopEvent, shopBundles, shopEvents } from '../../src/scenarios/index.ts';
import { freePort } from '../support/cli.ts';
import { runShellBlock } from '../support/doc-blocks.ts';
import { readTopicToEnd } from '../support/eos-oracle.ts';
import { readmeCommands } from '../support/example-readme.ts';
import { testBrokers, testKafka, uniqueName } from '../support/kafka.ts';
import { pgQuery, testPostgresUrl } from '../support/postgres.ts';
import { tempDirs } from '../support/temp-dirs.ts';

// examples/shop: its README's commands against the broker; every recommendation record checked
// against a brute-force oracle over the scenario's events (the README's produce line's defaults).

const tempDir = tempDirs('sluice-example-shop');
const SCENARIO = { seed: 42, count: 12_000, inject: 3 };

type Pair = { item: string; other: string; weight: number; ts: number };

/**
 * Each event's co-visits, from scratch: the user's HISTORY_ITEMS most recently seen distinct items before it
 * (by their last time), less its own item and those older than the horizon.
 */
function oraclePairs(events: readonly ShopEvent[]): Pair[] {
  const seen = new Map<string, ShopEvent[]>();
  const pairs: Pair[] = [];
  for (const event of events) {
    const before = seen.get(event.user) ?? [];
    const last = new Map<string, number>();
    for (const earlier of before) last.set(earlier.item, earlier.ts);
    const recent = [...last]
      .sort((a, b) => b[1] - a[1])
      .slice(0, HISTORY_ITEMS)
      .filter(([item, ts]) => item !== event.item && event.ts - ts < HORIZON_MS);
    const weight = event.type === 'purchase' ? PURCHASE_WEIGHT : 1;
    for (const [other] of recent) {
      pairs.push({ item: event.item, other, weight, ts: event.ts });
      pairs.push({ item: other, other: event.item, weight, ts: event.ts });
    }
    seen.set(event.user, [...before, event]);
  }
  return pairs;
}

function oracle(pairs: readonly Pair[]): Recommendations[] {
  const scores = new Map<string, Map<string, number>>();
  for (const pair of pairs) {
    const last = Math.floor(pair.ts / SLIDE_MS) * SLIDE_MS;
    for (let start = last; start > pair.ts - WINDOW_MS; start -= SLIDE_MS) {
      const id = `${start} ${pair.item}`;
      const row = scores.get(id) ?? new Map<string, number>();
      row.set(pair.other, (row.get(pair.other) ?? 0) + pair.weight);
      scores.set(id, row);
    }
  }
  return [...scores].map(([id, row]) => {
    const [start = '', item = ''] = id.split(' ');
    return {
      item,
      windowStart: Number(start),
      windowEnd: Number(start) + WINDOW_MS,
      recommendations: [...row]
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .slice(0, TOP_N)
        .map(([other, score]) => ({ item: other, score })),
    };
  });
}

const byWindowAndItem = (a: Recommendations, b: Recommendations): number =>
  a.windowStart - b.windowStart || (a.item < b.item ? -1 : a.item > b.item ? 1 : 0);

describe('examples/shop', () => {
  it("the README's commands: every item's top 5 per window as the oracle says, bundles among the first", async () => {
    const names = ['shop-events', 'shop-co-visits', 'shop-recommendations'];
    const { commands, renamed } = readmeCommands('shop', names);
    const table = uniqueName('recommendations').replaceAll('-', '_');
    await runShellBlock(commands, tempDir(), {
      SLUICE_BROKERS: testBrokers().join(','),
      SLUICE_HTTP_PORT: String(await freePort()),
      SLUICE_LOG_LEVEL: 'warn',
      SHOP_EVENTS_TOPIC: renamed['shop-events'] ?? '',
      SHOP_CO_VISITS_TOPIC: renamed['shop-co-visits'] ?? '',
      SHOP_RECOMMENDATIONS_TOPIC: renamed['shop-recommendations'] ?? '',
      SHOP_POSTGRES_URL: testPostgresUrl(),
      SHOP_POSTGRES_TABLE: table,
    });
    const events = [...shopEvents(SCENARIO)];
    const pairs = oraclePairs(events);
    const kafka = testKafka();
    // What the README's produce line wrote is what the oracle computes from.
    const produced = await readTopicToEnd<ShopEvent>(kafka, renamed['shop-events'] ?? '');
    expect(produced.sort((a, b) => a.ts - b.ts)).toEqual(events);
    const visits = await readTopicToEnd<Pair>(kafka, renamed['shop-co-visits'] ?? '');
    expect(visits).toHaveLength(pairs.length);
    // The jobs created their output topics (toKafka's `create`): as wide as the input, and compacted.
    const admin = kafka.admin();
    await admin.connect();
    try {
      const outputs = [renamed['shop-co-visits'] ?? '', renamed['shop-recommendations'] ?? ''];
      const metadata = await admin.fetchTopicMetadata({ topics: outputs });
      expect(metadata.topics.map((topic) => [topic.name, topic.partitions.length]).sort()).toEqual(
        outputs.map((name) => [name, 4]).sort(),
      );
      const configs = await admin.describeConfigs({
        includeSynonyms: false,
        resources: outputs.map((name) => ({ type: 2, name, configNames: ['cleanup.policy'] })),
      });
      expect(
        Object.fromEntries(
          configs.resources.map((resource) => [
            resource.resourceName,
            resource.configEntries[0]?.configValue,
          ]),
        ),
      ).toEqual({ [outputs[0] as string]: 'delete', [outputs[1] as string]: 'compact' });
    } finally {
      await admin.disconnect();
    }

    const records = await readTopicToEnd<Recommendations>(kafka, renamed['shop-recommendations'] ?? '');
    const expected = oracle(pairs).sort(byWindowAndItem);
    expect(records.sort(byWindowAndItem)).toEqual(expected);
    // 20 minutes of events: windows from -5 min to 15 min, each item in each.
    expect(new Set(records.map((row) => row.windowStart)).size).toBe(5);

    // The table: one row per item, its latest window's recommendations.
    const latest = new Map(expected.map((row) => [row.item, row]));
    const rows = await pgQuery<{ item: string; window_end: Date; recommendations: unknown }>(
      testPostgresUrl(),
      `SELECT item, window_end, recommendations FROM ${table} ORDER BY item`,
    );
    expect(
      rows.map((row) => ({
        item: row.item,
        windowEnd: row.window_end.getTime(),
        recommendations: row.recommendations,
      })),
    ).toEqual(
      [...latest.values()]
        .sort((a, b) => (a.item < b.item ? -1 : 1))
        .map(({ item, windowEnd, recommendations }) => ({ item, windowEnd, recommendations })),
    );

    // In every complete window (10 minutes of events), a bundle's second item, from another
    // category, is among the first three of its first item.
    const first = events[0]?.ts ?? 0;
    const complete = records.filter((row) => row.windowStart >= first && row.windowEnd <= first + 1_200_000);
    const bundles = shopBundles(SCENARIO);
    expect(bundles).toHaveLength(3);
    for (const bundle of bundles) {
      const rows = complete.filter((row) => row.item === bundle.item);
      expect(rows).toHaveLength(3);
      for (const row of rows)
        expect(row.recommendations.slice(0, 3).map((recommended) => recommended.item)).toContain(bundle.next);
    }
  }, 60_000);
});
