/** One record a scenario writes: its key (the partitioner hashes it) and its value's text. */
export type ScenarioRecord = { readonly key: string; readonly value: string };

/** What fixes a scenario's records: the same options give the same records, in the same order. */
export type ScenarioOptions = {
  /** Any safe integer. */
  readonly seed: number;
  /** Records in all; patterns are spread over them. */
  readonly count: number;
  /** Patterns injected: error bursts (logs), co-visited bundles (shop), anomalies (metrics). */
  readonly inject: number;
};

export type Scenario = {
  readonly name: string;
  /** One line for `sluice produce --help`. */
  readonly summary: string;
  readonly defaultCount: number;
  readonly defaultInject: number;
  /** Why `options` cannot hold the patterns asked for, or undefined when they fit. */
  readonly problem: (options: ScenarioOptions) => string | undefined;
  readonly records: (options: ScenarioOptions) => Iterable<ScenarioRecord>;
};
