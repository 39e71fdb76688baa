// Session windows in event time: per user, clicks less than 30 s apart make one session,
// [first click, last click + 30 s); a session is emitted once the watermark passes its end, with
// its clicks and distinct pages (sessions of 5 clicks or more are printed).
// Run it on the built-in generator (its clicks carry ts, user, url):
//   SLUICE_TRIGGER=available-now SLUICE_GENERATOR_EVENTS=20000 npx sluice run examples/user-session-windows.ts
import { Aggregations, type ClickEvent, defineJob, Windows } from 'sluice';

export const SESSION_GAP_MS = 30_000;

export type Visits = { readonly clicks: number; readonly pages: readonly string[] };
export type SessionSummary = { readonly clicks: number; readonly pages: number };

/** Clicks and distinct pages; `merge` joins two sessions a click bridged, so it must not count a page twice. */
export const visits = Aggregations.of<string, Visits, SessionSummary>({
  empty: () => ({ clicks: 0, pages: [] }),
  add: (acc, page) => ({
    clicks: acc.clicks + 1,
    pages: acc.pages.includes(page) ? acc.pages : [...acc.pages, page],
  }),
  merge: (a, b) => ({ clicks: a.clicks + b.clicks, pages: [...new Set([...a.pages, ...b.pages])] }),
  result: (acc) => ({ clicks: acc.clicks, pages: acc.pages.length }),
});

export default defineJob((ctx) => {
  const sessions = ctx
    .stream<ClickEvent>()
    .withWatermark(5_000, (record) => record.value.ts)
    .map((record): [string, string] => [record.value.user, record.value.url])
    .windowAggregate<string, string, SessionSummary>(Windows.session(SESSION_GAP_MS), visits);

  sessions.filter((row) => row.value.clicks >= 5).print(10);
  sessions.lateRecords().print(5);
});
