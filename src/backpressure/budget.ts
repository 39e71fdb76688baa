/**
 * How many records the next batch may take. `total` is the backpressure rate's share of one
 * batch over all partitions, `perPartition` the cap of SLUICE_MAX_RATE_PER_PARTITION; undefined
 * means no limit of that kind.
 */
export type BatchBudget = {
  readonly total: number | undefined;
  readonly perPartition: number | undefined;
};

export const UNLIMITED: BatchBudget = { total: undefined, perPartition: undefined };

/**
 * Each partition's records for the next batch, as Spark's direct stream shares its rate: in
 * proportion to each partition's backlog, capped per partition, and at least one record where
 * there is a backlog so that no partition starves. An infinite backlog (a generator without a
 * rate) counts as one share; a partition without backlog gets 0.
 */
export function shareBudget(backlogs: readonly number[], budget: BatchBudget): number[] {
  const { total, perPartition } = budget;
  const cap = (limit: number): number => Math.max(1, Math.floor(Math.min(limit, perPartition ?? limit)));
  if (total === undefined)
    return backlogs.map((backlog) => (backlog > 0 ? cap(Number.POSITIVE_INFINITY) : 0));
  const infinite = backlogs.some((backlog) => backlog === Number.POSITIVE_INFINITY);
  const weights = backlogs.map((backlog) => {
    if (backlog <= 0) return 0;
    if (infinite) return backlog === Number.POSITIVE_INFINITY ? 1 : 0;
    return backlog;
  });
  const sum = weights.reduce((a, b) => a + b, 0);
  return weights.map((weight, index) => {
    if ((backlogs[index] ?? 0) <= 0) return 0;
    return cap(sum > 0 ? (total * weight) / sum : 0);
  });
}
