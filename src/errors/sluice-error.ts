// The one error type Sluice throws on purpose, with a stable code and a redacted message.

import type { ErrorCode } from './codes.ts';
import { redactText } from './redact.ts';

/**
 * The one error type Sluice throws on purpose. `code` is stable and meant for programs;
 * `message` names the thing that is wrong and what would be allowed. Every message passes through
 * `redactText` here, so one that quotes a URL or a driver's error never carries a password.
 *
 * @example
 * throw new SluiceError('SLUICE_CONFIG_INVALID', 'SLUICE_WORKERS must be an integer >= 1; got "0"');
 */
export class SluiceError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(redactText(message), options);
    this.name = 'SluiceError';
    this.code = code;
  }
}

export function isSluiceError(error: unknown, code?: ErrorCode): error is SluiceError {
  return error instanceof SluiceError && (code === undefined || error.code === code);
}

/**
 * Input that is wrong in several places at once: `message` has one line per problem and
 * `problems` holds the same lines, so every mistake is reported in one go.
 */
export class ProblemsError extends SluiceError {
  readonly problems: readonly string[];

  constructor(code: ErrorCode, problems: readonly string[]) {
    const redacted = problems.map(redactText);
    super(code, redacted.join('\n'));
    this.problems = Object.freeze(redacted);
  }
}
