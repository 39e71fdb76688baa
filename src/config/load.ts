// Reads the SLUICE_* variables, validates them together and fails with one message listing every problem.

import { availableParallelism } from 'node:os';
import { ErrorCode, ProblemsError, redactSetting } from '../errors/index.ts';
import type { ConfigEnv, ConfigOption } from './option-types.ts';
import { configOptions, crossFieldProblems, DEV_VARIABLES } from './options.ts';
import { securityOptions, securityProblems } from './security.ts';
import type { KafkaSecurityConfig, LoadConfigOptions, SluiceConfig } from './types.ts';

const PREFIX = 'SLUICE_';

/**
 * The configuration is invalid. `message` has one line per problem; `problems` holds the same lines.
 *
 * @example
 * if (error instanceof ConfigError) for (const line of error.problems) console.error(line);
 */
export class ConfigError extends ProblemsError {
  constructor(problems: readonly string[]) {
    super(ErrorCode.configInvalid, problems);
    this.name = 'ConfigError';
  }
}

/**
 * Reads every `SLUICE_*` variable, validates them together and returns the configuration, deeply
 * frozen. Throws one `ConfigError` (code `SLUICE_CONFIG_INVALID`) listing every problem found:
 * bad values, variables another one requires, and unknown `SLUICE_*` variables (typos).
 *
 * @example
 * const config = loadConfig({ SLUICE_BROKERS: 'localhost:9092', SLUICE_TOPICS: 'clicks' });
 * config.topics; // { type: 'list', topics: ['clicks'] }
 */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  options: LoadConfigOptions = {},
): SluiceConfig {
  const schema = configOptions({ cpus: options.cpus ?? availableParallelism() });
  const normalised = normalise(env);
  const fieldProblems: string[] = [];
  const parsed = parseFields(schema, env, normalised, fieldProblems);
  const known = [...Object.values(schema), ...DEV_VARIABLES].map((variable) => variable.env);
  const problems = [
    ...fieldProblems,
    // Each field parsed by its own schema, whose output type `configOptions` checks against SluiceConfig.
    ...crossFieldProblems(normalised, parsed as Partial<SluiceConfig>),
    ...unknownVariableProblems(Object.keys(normalised), known),
  ];
  if (problems.length > 0) throw new ConfigError(problems);
  // Tumbling unless told otherwise: the slide defaults to the window.
  parsed.slideMs ??= parsed.windowMs;
  return deepFreeze(parsed as unknown as SluiceConfig);
}

/**
 * Reads only the Kafka security variables (`SLUICE_KAFKA_SSL*`, `SLUICE_KAFKA_SASL*`) and checks
 * them together, for commands that take their other settings from flags (`sluice produce`). Other
 * variables are left alone. Throws `ConfigError` like `loadConfig`.
 *
 * @example
 * const security = loadKafkaSecurity({ SLUICE_KAFKA_SSL: 'true' });
 * security.kafkaSsl; // true
 */
export function loadKafkaSecurity(
  env: Record<string, string | undefined> = process.env,
): KafkaSecurityConfig {
  const normalised = normalise(env);
  const fieldProblems: string[] = [];
  const parsed = parseFields(securityOptions(), env, normalised, fieldProblems);
  const problems = [
    ...fieldProblems,
    ...securityProblems(normalised, parsed as Partial<KafkaSecurityConfig>),
  ];
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(parsed as unknown as KafkaSecurityConfig);
}

/** Parses each option's variable; a value that does not parse adds one problem line. */
function parseFields(
  schema: Readonly<Record<string, ConfigOption<unknown>>>,
  env: Record<string, string | undefined>,
  normalised: ConfigEnv,
  problems: string[],
): Record<string, unknown> {
  const parsed: Record<string, unknown> = {};
  for (const [field, option] of Object.entries(schema)) {
    const result = option.schema.safeParse(normalised[option.env]);
    if (result.success) {
      parsed[field] = result.data;
    } else {
      // One line per variable: the first issue is the one that stopped its parse. Secrets never
      // fail to parse (a *_FILE variable shows its path); a URL's password is cut from the value.
      const issue = result.error.issues[0]?.message ?? 'is invalid';
      const given = env[option.env];
      problems.push(`${option.env} ${issue}; got ${JSON.stringify(given && redactSetting(given))}`);
    }
  }
  return parsed;
}

/** Keeps the `SLUICE_*` variables, trimmed; an empty value counts as unset. */
function normalise(env: Record<string, string | undefined>): ConfigEnv {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(PREFIX)) continue;
    const trimmed = value?.trim();
    out[name] = trimmed === '' ? undefined : trimmed;
  }
  return out;
}

function unknownVariableProblems(names: readonly string[], known: readonly string[]): string[] {
  return names
    .filter((name) => !known.includes(name))
    .sort()
    .map((name) => {
      const suggestion = closest(name, known);
      return suggestion === undefined
        ? `${name} is not a Sluice variable`
        : `${name} is not a Sluice variable; did you mean ${suggestion}?`;
    });
}

/** The known name nearest to `name`, if it is near enough to be a typo of it. */
function closest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const distance = editDistance(name, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  // Scale with the part after the shared prefix, so SLUICE_FOO is not taken for SLUICE_JOB.
  const limit = Math.max(1, Math.floor((name.length - PREFIX.length) / 3));
  return bestDistance <= limit ? best : undefined;
}

/** Levenshtein distance, two rows at a time. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
