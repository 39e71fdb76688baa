// Command-line flags over node:util parseArgs. parseArgs' strict mode throws at the first problem,
// in Node's wording; we parse leniently and apply the same rules ourselves (unknown flag, missing
// value, value given to a switch, stray argument), so one run reports every problem, as the config
// module does for SLUICE_* variables.

import { parseArgs } from 'node:util';
import { integerRangeText } from '../config/index.ts';
import { ErrorCode, ProblemsError } from '../errors/index.ts';

/**
 * The command line is invalid. `message` has one line per problem; `problems` holds the same lines.
 *
 * @example
 * if (error instanceof UsageError) for (const line of error.problems) console.error(line);
 */
export class UsageError extends ProblemsError {
  constructor(problems: readonly string[]) {
    super(ErrorCode.usage, problems);
    this.name = 'UsageError';
  }
}

export type FlagSpec = Readonly<
  Record<
    string,
    { readonly type: 'string' | 'boolean'; readonly short?: string; readonly multiple?: boolean }
  >
>;

export type FlagValues<S extends FlagSpec> = {
  readonly [K in keyof S]?: S[K]['type'] extends 'boolean'
    ? boolean
    : S[K]['multiple'] extends true
      ? readonly string[]
      : string;
};

// A value that starts with '-' is taken for a forgotten value followed by the next flag (what
// parseArgs' strict mode calls ambiguous), unless it is a negative number, or '-' alone (stdin).
const NEGATIVE_NUMBER_OR_STDIN = /^-(?:\d|$)/;

/**
 * Reads `argv` against `spec`. The last occurrence of a flag wins, except for a `multiple` flag,
 * which collects every value in order. Arguments that follow no flag are problems unless
 * `positionals` is set; then they are returned in order. Problems are returned, not thrown, so the
 * caller can add its own value checks and throw them all in one `UsageError`.
 *
 * @example
 * readFlags(['--count', 'x'], { count: { type: 'string' } }); // { values: { count: 'x' }, positionals: [], problems: [] }
 */
export function readFlags<S extends FlagSpec>(
  argv: readonly string[],
  spec: S,
  options: { readonly positionals?: boolean } = {},
): { values: FlagValues<S>; positionals: string[]; problems: string[] } {
  const { tokens } = parseArgs({
    args: [...argv],
    options: spec,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const values: Record<string, string | boolean | string[]> = {};
  const positionals: string[] = [];
  const problems: string[] = [];
  const known = Object.keys(spec).map((name) => `--${name}`);
  // After an unknown flag, the next argument is taken for its value rather than reported too.
  let afterUnknown = false;
  for (const token of tokens) {
    if (token.kind === 'positional') {
      if (!afterUnknown && options.positionals === true) positionals.push(token.value);
      else if (!afterUnknown) {
        problems.push(`unexpected argument ${JSON.stringify(token.value)}; every value follows its flag`);
      }
      afterUnknown = false;
      continue;
    }
    afterUnknown = false;
    if (token.kind !== 'option') continue;
    const flag = spec[token.name];
    const raw = token.rawName;
    if (flag === undefined) {
      problems.push(`unknown flag ${raw}; allowed: ${known.join(', ')}`);
      afterUnknown = token.value === undefined;
    } else if (flag.type === 'boolean') {
      if (token.value === undefined) values[token.name] = true;
      else problems.push(`${raw} takes no value; got ${JSON.stringify(token.value)}`);
    } else if (
      token.value === undefined ||
      (!token.inlineValue && token.value.startsWith('-') && !NEGATIVE_NUMBER_OR_STDIN.test(token.value))
    ) {
      problems.push(`${raw} needs a value (write ${raw}=<value> for a value starting with "-")`);
    } else if (flag.multiple === true) {
      const list = values[token.name];
      values[token.name] = Array.isArray(list) ? [...list, token.value] : [token.value];
    } else {
      values[token.name] = token.value;
    }
  }
  // Each key was checked against `spec` above, and its value against the flag's type.
  return { values: values as FlagValues<S>, positionals, problems };
}

// Kafka's own rule (kafka.common.internals.Topic), as the config module checks SLUICE_TOPICS.
const TOPIC_NAME = /^(?!\.\.?$)[\w.-]{1,249}$/;

/** `raw` when it is a valid Kafka topic name; otherwise adds a problem naming `label` (a flag or `<topic>`). */
export function topicArgument(problems: string[], label: string, raw: string): string {
  if (!TOPIC_NAME.test(raw)) {
    problems.push(
      `${label} must be a Kafka topic name (up to 249 ASCII letters, digits, ".", "_" and "-"); got ${JSON.stringify(raw)}`,
    );
  }
  return raw;
}

const INTEGER = /^[+-]?\d+$/;

/**
 * The flag's integer in `[min, max]` (both optional), `fallback` when the flag is absent, or
 * `undefined` after adding a problem naming the flag, the value and the allowed range.
 */
export function integerFlag<F extends number | undefined>(
  problems: string[],
  name: string,
  raw: string | undefined,
  range: { readonly min?: number; readonly max?: number },
  fallback: F,
): number | F {
  if (raw === undefined) return fallback;
  const { min, max } = range;
  const value = Number(raw);
  const ok =
    INTEGER.test(raw) &&
    Number.isSafeInteger(value) &&
    (min === undefined || value >= min) &&
    (max === undefined || value <= max);
  if (ok) return value;
  problems.push(`--${name} must be ${integerRangeText(range)}; got ${JSON.stringify(raw)}`);
  return fallback;
}

/** The flag's word from `choices`, `fallback` when absent; otherwise adds a problem listing `choices`. */
export function choiceFlag<const C extends readonly string[]>(
  problems: string[],
  name: string,
  raw: string | undefined,
  choices: C,
  fallback: C[number],
): C[number] {
  if (raw === undefined) return fallback;
  const found = choices.find((choice) => choice === raw);
  if (found !== undefined) return found;
  problems.push(`--${name} must be one of ${choices.join(', ')}; got ${JSON.stringify(raw)}`);
  return fallback;
}
