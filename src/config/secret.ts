// Secrets that print as [redacted] everywhere, and redaction of settings for logs and HTTP answers.

import { inspect } from 'node:util';
import { REDACTED, redactText, registerSecret } from '../errors/index.ts';

export { REDACTED, redactText };

/**
 * A value that must never be shown: a SASL password, a TLS key passphrase. `reveal()` is the one
 * way to read it; `String(secret)`, `JSON.stringify` and `console.log` all give `[redacted]`.
 *
 * @example
 * const password = new Secret('hunter2');
 * `${password}`; // '[redacted]'
 * password.reveal(); // 'hunter2'
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
    registerSecret(value);
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}

// Names of fields that hold secrets even when the value is a plain string (a kafkajs `sasl` object).
const SECRET_KEY = /passw(or)?d|passphrase|secret|token|credential|private.?key|^key$|jaas/i;

// Deeper than any configuration or log line; a value nested further is not walked (a user's record).
const MAX_DEPTH = 16;

/**
 * A copy of `value` fit for logs, config dumps and HTTP answers: `Secret`s and fields whose name
 * says they hold a secret (`password`, `passphrase`, `key`, …) become `[redacted]`, and every
 * string is passed through `redactText` (URL passwords, loaded secrets). Cycles become
 * `[circular]`. With `names: false` field names are not judged: a log line's `key` is a record's.
 *
 * @example
 * redact({ sasl: { mechanism: 'plain', username: 'app', password: 'hunter2' } });
 * // { sasl: { mechanism: 'plain', username: 'app', password: '[redacted]' } }
 */
export function redact(value: unknown, options: { readonly names?: boolean } = {}): unknown {
  return redactValue(value, options.names ?? true, new WeakSet(), 0);
}

function redactValue(value: unknown, names: boolean, path: WeakSet<object>, depth: number): unknown {
  if (value instanceof Secret) return REDACTED;
  if (typeof value === 'string') return redactText(value);
  if (typeof value !== 'object' || value === null) return value;
  if (Buffer.isBuffer(value) || value instanceof Date) return value;
  if (path.has(value)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (value instanceof Error) return { name: value.name, message: redactText(value.message) };
  path.add(value);
  const inner = (item: unknown) => redactValue(item, names, path, depth + 1);
  let out: unknown;
  if (Array.isArray(value)) {
    out = value.map(inner);
  } else {
    const fields: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      fields[key] = names && SECRET_KEY.test(key) && item !== undefined ? REDACTED : inner(item);
    }
    out = fields;
  }
  path.delete(value);
  return out;
}
