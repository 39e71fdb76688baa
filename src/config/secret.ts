import { inspect } from 'node:util';

/** What every secret prints as: in logs, JSON, `util.inspect`, template strings and errors. */
export const REDACTED = '[redacted]';

// Every secret value this process has loaded, so text from elsewhere (a kafkajs log line, an error
// from the broker) can be scrubbed of them before it is logged or served.
const loaded = new Set<string>();
// Shorter values would match inside ordinary words and redact half a log line.
const MIN_SCRUBBED_LENGTH = 4;

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
    if (value.length >= MIN_SCRUBBED_LENGTH) loaded.add(value);
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

/**
 * A copy of `value` fit for logs, config dumps and HTTP answers: `Secret`s and fields whose name
 * says they hold a secret (`password`, `passphrase`, `key`, …) become `[redacted]`, and every
 * loaded secret's value is cut out of the strings that remain. Cycles become `[circular]`.
 *
 * @example
 * redact({ sasl: { mechanism: 'plain', username: 'app', password: 'hunter2' } });
 * // { sasl: { mechanism: 'plain', username: 'app', password: '[redacted]' } }
 */
export function redact(value: unknown): unknown {
  return redactValue(value, new WeakSet());
}

function redactValue(value: unknown, seen: WeakSet<object>): unknown {
  if (value instanceof Secret) return REDACTED;
  if (typeof value === 'string') return redactText(value);
  if (typeof value !== 'object' || value === null) return value;
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => redactValue(item, seen));
  if (value instanceof Error) {
    return { name: value.name, message: redactText(value.message) };
  }
  if (Buffer.isBuffer(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    out[key] = SECRET_KEY.test(key) && inner !== undefined ? REDACTED : redactValue(inner, seen);
  }
  return out;
}

/** `text` with every loaded secret's value replaced by `[redacted]`. */
export function redactText(text: string): string {
  let out = text;
  for (const value of loaded) {
    if (out.includes(value)) out = out.split(value).join(REDACTED);
  }
  return out;
}
