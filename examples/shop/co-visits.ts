// Recommendations, step 1 of 2: each user's recent history in mapWithState; each view or purchase
// pairs its item with the other items the user looked at in the last 10 minutes ("users who viewed
// X also viewed Y"), both ways, written to a topic with their event time for step 2.
// Run it (a broker: `npm run kafka -- start`; SLUICE_BROKERS=<its address>): see examples/shop/README.md.
import { defineJob, type State, StateSpec } from 'sluice';

/** An event as `sluice produce --scenario shop` writes it, keyed by user. */
export type ShopEvent = {
  readonly ts: number;
  readonly user: string;
  readonly item: string;
  readonly type: 'view' | 'purchase';
};
/** A user's distinct recent items with the time each was last seen, most recent first. */
export type History = readonly (readonly [item: string, ts: number])[];
/** `item` and `other` seen by one user within the horizon, scored `weight`, at `ts`. */
export type CoVisit = {
  readonly item: string;
  readonly other: string;
  readonly weight: number;
  readonly ts: number;
  readonly user: string;
};

/** Items seen longer ago than this (event time) no longer pair with a new one. */
export const HORIZON_MS = 600_000;
/** The most items a user's history keeps. */
export const HISTORY_ITEMS = 5;
/** A purchase says more about what goes together than a view. */
export const PURCHASE_WEIGHT = 3;
/** A user idle this long (batch time) is forgotten: the history would pair nothing any more. */
export const HISTORY_TIMEOUT_MS = 1_800_000;

/** mapWithState's function: the co-visits of one event, and the history after it. */
export function remember(
  user: string,
  event: ShopEvent | undefined,
  state: State<History>,
): CoVisit[] | undefined {
  if (event === undefined || state.isTimingOut()) return undefined;
  const recent = (state.getOption() ?? []).filter(
    ([item, ts]) => item !== event.item && event.ts - ts < HORIZON_MS,
  );
  state.update([[event.item, event.ts] as const, ...recent].slice(0, HISTORY_ITEMS));
  const weight = event.type === 'purchase' ? PURCHASE_WEIGHT : 1;
  const { ts, item } = event;
  return recent.flatMap(([other]) => [
    { item, other, weight, ts, user },
    { item: other, other: item, weight, ts, user },
  ]);
}

export default defineJob((ctx) => {
  ctx
    .stream<ShopEvent>(ctx.env.SHOP_EVENTS_TOPIC ?? 'shop-events')
    .map((record): [string, ShopEvent] => [record.value.user, record.value])
    .mapWithState(StateSpec.function(remember).timeout(HISTORY_TIMEOUT_MS))
    .flatMap((visits) => visits)
    // A state partition emits key by key; in time order, and keyed by user (so into the partition
    // number the user's events came from), step 2's watermark never sees a co-visit go back in time.
    .transform((visits) => [...visits].sort((a, b) => a.ts - b.ts))
    // As wide as shop-events (SHOP_PARTITIONS, 4 as the README writes it): see the README.
    .toKafka(ctx.env.SHOP_CO_VISITS_TOPIC ?? 'shop-co-visits', {
      key: (visit) => visit.user,
      create: { partitions: Number(ctx.env.SHOP_PARTITIONS ?? 4) },
    });
});
