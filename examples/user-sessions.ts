// Sessions per user with mapWithState: a click extends the user's session; a user idle for
// 30 s of batch time ends it, and the job emits the session's summary once. stateSnapshots()
// shows the open sessions after every batch.
// Run it on the built-in generator (users u0…, pages in url):
//   SLUICE_TRIGGER=available-now SLUICE_GENERATOR_EVENTS=2000 npx sluice run examples/user-sessions.ts
// or on clicks in Kafka: SLUICE_TOPICS=clicks SLUICE_CHECKPOINT_DIR=checkpoints/sessions npx sluice run examples/user-sessions.ts
import { defineJob, type State, StateSpec } from 'sluice';

/** What the job reads of a click: its page. The generator's click events carry it as `url`. */
export type Click = { readonly url: string };
export type Session = { readonly clicks: number; readonly pages: readonly string[] };
export type SessionEnd = {
  readonly user: string;
  readonly clicks: number;
  readonly pages: readonly string[];
};

export const SESSION_TIMEOUT_MS = 30_000;

/** Called per click, and once with no click when the session times out: then it emits the summary. */
export function trackSession(
  user: string,
  click: Click | undefined,
  state: State<Session>,
): SessionEnd | undefined {
  if (state.isTimingOut()) return { user, ...state.get() };
  const session = state.getOption() ?? { clicks: 0, pages: [] };
  const page = click?.url ?? '';
  state.update({
    clicks: session.clicks + 1,
    pages: session.pages.includes(page) ? session.pages : [...session.pages, page],
  });
  return undefined;
}

export default defineJob((ctx) => {
  const sessions = ctx
    .stream<Click>()
    .filter((record) => record.key !== null)
    .map((record): [string, Click] => [record.key ?? '', record.value])
    .mapWithState(StateSpec.function(trackSession).timeout(SESSION_TIMEOUT_MS));

  sessions.print(20);
  sessions.stateSnapshots().print(20);
});
