// Asynchronous enrichment with mapAsync: each click joined with its user's plan from a profile
// service, up to 32 calls per partition at once, each given 2 s and 3 attempts; the enriched clicks
// keep each partition's order. Then clicks per plan, per batch. With PROFILE_URL, the service is
// HTTP (GET PROFILE_URL/users/<user> answers {"plan": …}); without it, a stand-in in this module
// answers a few milliseconds later, as a service would. With ENRICHED_DIR, the enriched clicks go
// there as JSON lines.
// Run it on the built-in generator:
//   SLUICE_TRIGGER=available-now SLUICE_GENERATOR_EVENTS=2000 ENRICHED_DIR=enriched npx sluice run examples/enrich-async.ts
// or against your service: PROFILE_URL=http://localhost:8080 with the same command.
import { setTimeout as sleep } from 'node:timers/promises';
import { type ClickEvent, defineJob } from 'sluice';

export type Profile = { readonly plan: string };
export type EnrichedClick = {
  readonly partition: number;
  readonly offset: number;
  readonly user: string;
  readonly url: string;
  readonly plan: string;
};

export const PLANS = ['free', 'pro', 'team'] as const;

/** The stand-in's answer: a plan by user number (`u17` → `team`), after 1–5 ms. */
export async function standInProfile(user: string, signal: AbortSignal): Promise<Profile> {
  const n = Number(user.slice(1));
  await sleep(1 + (n % 5), undefined, { signal });
  return { plan: PLANS[n % PLANS.length] ?? 'free' };
}

async function httpProfile(base: string, user: string, signal: AbortSignal): Promise<Profile> {
  const response = await fetch(new URL(`/users/${encodeURIComponent(user)}`, base), { signal });
  if (!response.ok) throw new Error(`the profile service answered ${response.status} for ${user}`);
  return (await response.json()) as Profile;
}

export default defineJob((ctx) => {
  const base = ctx.env.PROFILE_URL;
  const profileOf = base
    ? (user: string, signal: AbortSignal) => httpProfile(base, user, signal)
    : standInProfile;
  const enriched = ctx.stream<ClickEvent>().mapAsync(
    async (record, { signal }): Promise<EnrichedClick> => {
      const { plan } = await profileOf(record.value.user, signal);
      const { user, url } = record.value;
      return { partition: record.partition, offset: Number(record.offset), user, url, plan };
    },
    { concurrency: 32, timeoutMs: 2_000, retry: { attempts: 3, backoffMs: 100 } },
  );

  enriched
    .map((click): [string, number] => [click.plan, 1])
    .reduceByKey((a, b) => a + b)
    .print();
  const dir = ctx.env.ENRICHED_DIR;
  if (dir) enriched.saveAsTextFiles(dir);
});
