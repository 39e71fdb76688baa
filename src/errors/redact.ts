/** What every secret prints as: in logs, JSON, `util.inspect`, template strings and errors. */
export const REDACTED = '[redacted]';

// Every secret value this process has loaded, so text from elsewhere (a kafkajs log line, an error
// from the broker) can be scrubbed of them before it is logged or served. Longest first: a secret
// that holds another is cut whole.
const loaded: string[] = [];
// Shorter values would match inside ordinary words and redact half a log line.
const MIN_SCRUBBED_LENGTH = 4;

// In prose a URL ends at whitespace or a quote; its user info at the last `@` before that, so a
// password holding an unencoded `@` or `/` is cut whole.
const URL_PASSWORD = /(\b[a-z][a-z\d+.-]*:\/\/[^\s"'`<>/?#@:]*):[^\s"'`<>]*@/gi;
// libpq's `password=` and `sslpassword=`, and any `token`/`secret` parameter, in a URL's query.
const QUERY_SECRET = /([?&][\w.-]*(?:pass(?:word|wd)?|pwd|secret|token)=)[^&#\s"'`<>]*/gi;

/** Makes `value` one that `redactText` cuts out of every text from now on (a password, a key). */
export function registerSecret(value: string): void {
  if (value.length < MIN_SCRUBBED_LENGTH || loaded.includes(value)) return;
  loaded.push(value);
  loaded.sort((a, b) => b.length - a.length);
}

/** Registers the password a connection URL carries, in its user info or as `?password=`. */
export function registerUrlSecrets(url: URL): void {
  const password = url.searchParams.get('password');
  if (password !== null) registerSecret(password);
  if (url.password === '') return;
  registerSecret(url.password);
  try {
    registerSecret(decodeURIComponent(url.password));
  } catch {
    // A malformed %-escape: the password is used as written, which is registered.
  }
}

/**
 * `text` fit to show: the password in every URL's user info (`postgres://app:[redacted]@db`),
 * secret query parameters (`?password=[redacted]`) and every loaded secret's value replaced.
 */
export function redactText(text: string): string {
  return withoutLoaded(text.replace(URL_PASSWORD, `$1:${REDACTED}@`).replace(QUERY_SECRET, `$1${REDACTED}`));
}

/**
 * A whole setting as given (an environment variable's value), fit to quote in a message. Unlike
 * prose it has no end but its own, so whatever lies between the first `:` of the user info and the
 * last `@` is the password, even a malformed one with spaces or quotes in it.
 */
export function redactSetting(value: string): string {
  const at = value.lastIndexOf('@');
  if (at < 0) return redactText(value);
  const scheme = value.indexOf('://');
  const start = scheme >= 0 && scheme < at ? scheme + 3 : 0;
  const colon = value.indexOf(':', start);
  const masked =
    colon >= 0 && colon < at ? `${value.slice(0, colon + 1)}${REDACTED}${value.slice(at)}` : value;
  return redactText(masked);
}

function withoutLoaded(text: string): string {
  let out = text;
  for (const value of loaded) {
    if (out.includes(value)) out = out.split(value).join(REDACTED);
  }
  return out;
}
