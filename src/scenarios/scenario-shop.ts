// The `shop` scenario: views and purchases of a web shop's users, 10 a second of event time. Each
// user browses a category for a while, then moves on; injected "bundles" (after A, most users
// look at B next, B in another category) are co-visits a recommender must find.

import { SCENARIO_EPOCH, scenarioRandom } from './scenario-random.ts';
import type { Scenario, ScenarioOptions } from './types.ts';

export const SHOP_EVENTS_PER_SECOND = 10;
export const SHOP_USERS = 300;
export const SHOP_ITEMS = 120;
const CATEGORY_ITEMS = 10;
const STAY_IN_CATEGORY = 0.75;
const FOLLOW_BUNDLE = 0.8;
const PURCHASE_SHARE = 0.1;
// A third of the items at most: the rest stay free for the bundles still to pick.
const MAX_BUNDLES = 20;

/** One event, as written (JSON, keyed by user). */
export type ShopEvent = {
  readonly ts: number;
  readonly user: string;
  readonly item: string;
  readonly type: 'view' | 'purchase';
};

/** An injected bundle: a user who looked at `item` looks at `next` next, mostly. */
export type ShopBundle = { readonly item: string; readonly next: string };

const itemName = (n: number): string => `i${String(n).padStart(3, '0')}`;
const userName = (n: number): string => `u${String(n).padStart(3, '0')}`;

/** The bundles of these options: distinct first items, each followed by one of another category. */
export function shopBundles(options: ScenarioOptions): ShopBundle[] {
  const random = scenarioRandom(options.seed, 0);
  const bundles: ShopBundle[] = [];
  const used = new Set<number>();
  // Bounded: with a third of the items at most in bundles, a draw finds two free ones most times.
  for (let draw = 0; bundles.length < Math.min(options.inject, MAX_BUNDLES) && draw < 100_000; draw++) {
    const item = random.int(SHOP_ITEMS);
    const shift = 1 + random.int(SHOP_ITEMS / CATEGORY_ITEMS - 1);
    const next = (item + shift * CATEGORY_ITEMS) % SHOP_ITEMS;
    if (used.has(item) || used.has(next)) continue;
    used.add(item).add(next);
    bundles.push({ item: itemName(item), next: itemName(next) });
  }
  return bundles;
}

/** The events, in event-time order. */
export function* shopEvents(options: ScenarioOptions): Generator<ShopEvent> {
  const random = scenarioRandom(options.seed, 1);
  const follows = new Map(shopBundles(options).map((bundle) => [bundle.item, bundle.next]));
  const categories = SHOP_ITEMS / CATEGORY_ITEMS;
  const browsing = Array.from({ length: SHOP_USERS }, () => ({ category: random.int(categories), last: '' }));
  for (let n = 0; n < options.count; n++) {
    const user = random.int(SHOP_USERS);
    const state = browsing[user] ?? { category: 0, last: '' };
    const follow = follows.get(state.last);
    let item: string;
    if (follow !== undefined && random.chance(FOLLOW_BUNDLE)) item = follow;
    else {
      if (!random.chance(STAY_IN_CATEGORY)) state.category = random.int(categories);
      // Squaring a uniform draw skews towards a category's first items: some are popular.
      const u = random.next();
      item = itemName(state.category * CATEGORY_ITEMS + Math.floor(u * u * CATEGORY_ITEMS));
    }
    state.last = item;
    yield {
      ts: SCENARIO_EPOCH + Math.floor((n * 1000) / SHOP_EVENTS_PER_SECOND),
      user: userName(user),
      item,
      type: random.chance(PURCHASE_SHARE) ? 'purchase' : 'view',
    };
  }
}

export const shopScenario: Scenario = {
  name: 'shop',
  summary: `views and purchases (JSON) of ${SHOP_USERS} users over ${SHOP_ITEMS} items, ${SHOP_EVENTS_PER_SECOND} a second of event time; --inject: bundles, items most users view after another (default 3)`,
  defaultCount: 12_000,
  defaultInject: 3,
  problem: (options) =>
    options.inject > MAX_BUNDLES
      ? `--inject must be at most ${MAX_BUNDLES} bundles for scenario shop (two of its ${SHOP_ITEMS} items each); got ${options.inject}`
      : undefined,
  records: function* (options) {
    for (const event of shopEvents(options)) yield { key: event.user, value: JSON.stringify(event) };
  },
};
