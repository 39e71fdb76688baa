// Recommendations, step 2 of 2: the co-visits of step 1 (co-visits.ts) summed per item and
// co-visited item over the last 10 minutes of event time, every 5 minutes; per item, the 5 items
// most co-visited with it, written to a compacted topic keyed by item: its latest recommendations.
// Run it (a broker: `npm run kafka -- start`; SLUICE_BROKERS=<its address>): see examples/shop/README.md.
import { Aggregations, defineJob, type WindowResult, Windows } from 'sluice';
import type { CoVisit } from './co-visits.ts';

export const WINDOW_MS = 600_000;
export const SLIDE_MS = 300_000;
export const TOP_N = 5;
/** Co-visits of several partitions meet out of order by at most a batch of step 1: allow for it. */
export const LATENESS_MS = 30_000;

export type Recommendation = { readonly item: string; readonly score: number };
export type Recommendations = {
  readonly item: string;
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly recommendations: readonly Recommendation[];
};
type PairScore = WindowResult<readonly [string, string], number>;

const byScore = (a: PairScore, b: PairScore): number =>
  b.value - a.value || (a.key[1] < b.key[1] ? -1 : a.key[1] > b.key[1] ? 1 : 0);

/**
 * Per window and item, the `n` items co-visited with it the most: highest score first, ties by
 * item name, so that every run ranks alike.
 */
export function recommend(rows: readonly PairScore[], n: number): Recommendations[] {
  const groups = new Map<string, PairScore[]>();
  for (const row of rows) {
    const id = `${row.windowStart} ${row.key[0]}`;
    const group = groups.get(id);
    if (group) group.push(row);
    else groups.set(id, [row]);
  }
  const ranked = [...groups.values()].map((group) => {
    const { key, windowStart, windowEnd } = group[0] as PairScore;
    const recommendations = group
      .sort(byScore)
      .slice(0, n)
      .map((row) => ({ item: row.key[1], score: row.value }));
    return { item: key[0], windowStart, windowEnd, recommendations };
  });
  // Oldest window first: where a batch holds several windows of an item, its last row is the latest.
  return ranked.sort(
    (a, b) => a.windowStart - b.windowStart || (a.item < b.item ? -1 : a.item > b.item ? 1 : 0),
  );
}

export default defineJob((ctx) => {
  const recommendations = ctx
    .stream<CoVisit>(ctx.env.SHOP_CO_VISITS_TOPIC ?? 'shop-co-visits')
    .withWatermark(LATENESS_MS, (record) => record.value.ts)
    .map((record): [readonly [string, string], number] => [
      [record.value.item, record.value.other],
      record.value.weight,
    ])
    // Keyed by the pair, summed: one number per (pair, pane) in the slots, added and subtracted as
    // the window slides; the ranking runs after, on the main thread, over the merged sums.
    .windowAggregate<readonly [string, string], number>(
      Windows.sliding(WINDOW_MS, SLIDE_MS),
      Aggregations.sum(),
    )
    .transform((rows) => recommend(rows, TOP_N));
  recommendations.toKafka(ctx.env.SHOP_RECOMMENDATIONS_TOPIC ?? 'shop-recommendations', {
    key: (row) => row.item,
    create: { partitions: 4, compact: true },
  });

  // With SHOP_POSTGRES_URL, also a table with one row per item, its latest recommendations: what a
  // product page would query.
  const connection = ctx.env.SHOP_POSTGRES_URL;
  if (connection) {
    recommendations.toPostgres({
      connection,
      table: ctx.env.SHOP_POSTGRES_TABLE ?? 'item_recommendations',
      columns: {
        item: { type: 'text', value: (row) => row.item },
        window_start: { type: 'timestamptz', value: (row) => new Date(row.windowStart) },
        window_end: { type: 'timestamptz', value: (row) => new Date(row.windowEnd) },
        recommendations: { type: 'jsonb', value: (row) => JSON.stringify(row.recommendations) },
      },
      keys: ['item'],
      createTable: true,
    });
  }
});
