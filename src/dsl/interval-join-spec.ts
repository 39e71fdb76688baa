// The options of an event-time interval join, checked when the job is built.
import { ErrorCode, SluiceError, sampleValue } from '../errors/index.ts';

/**
 * `within: [lowerMs, upperMs]`: a left value at event time t meets the right values of its key at
 * event times from t + lowerMs to t + upperMs, both included (Flink's `between(lower, upper)`;
 * Kafka Streams' `JoinWindows` with `before = -lowerMs`, `after = upperMs`).
 */
export type IntervalJoinOptions = { readonly within: readonly [lowerMs: number, upperMs: number] };

/** The widest interval bound: ten years, far from where event time plus a bound loses precision. */
export const MAX_INTERVAL_MS = 315_360_000_000;

/** `[lowerMs, upperMs]` of checked options. */
export function intervalOf(operator: string, options: unknown): readonly [number, number] {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw invalid(
      operator,
      `the options must be { within: [lowerMs, upperMs] }; got ${sampleValue(options)}`,
    );
  }
  const unknown = Object.keys(options).find((key) => key !== 'within');
  if (unknown !== undefined) {
    throw invalid(operator, `unknown option ${sampleValue(unknown)}; the only option is within`);
  }
  const within: unknown = (options as { within?: unknown }).within;
  if (!Array.isArray(within) || within.length !== 2) {
    throw invalid(operator, `within must be [lowerMs, upperMs]; got ${sampleValue(within)}`);
  }
  const [lower, upper] = within.map((bound: unknown, index) => {
    if (typeof bound !== 'number' || !Number.isSafeInteger(bound) || Math.abs(bound) > MAX_INTERVAL_MS) {
      throw invalid(
        operator,
        `within[${index}] must be an integer of milliseconds from -${MAX_INTERVAL_MS} to ${MAX_INTERVAL_MS}; got ${sampleValue(bound)}`,
      );
    }
    return bound;
  }) as [number, number];
  if (lower > upper) {
    throw invalid(operator, `within: the lower bound ${lower} is past the upper bound ${upper}`);
  }
  return [lower, upper];
}

function invalid(operator: string, problem: string): SluiceError {
  return new SluiceError(ErrorCode.jobInvalid, `${operator}: ${problem}`);
}
