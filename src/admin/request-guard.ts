// What the admin server checks before any route (Host header, no body) and the security headers it sends.

import type { IncomingHttpHeaders } from 'node:http';
import { isIPv4, isIPv6 } from 'node:net';
import { json } from './json-response.ts';
import type { AdminResponse } from './types.ts';

/**
 * Sent with every answer. The policy is the dashboard's (its own scripts, styles and fetches only);
 * `frame-ancestors` keeps every page out of other sites' frames, X-Frame-Options does for browsers
 * older than CSP 2.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

/** Where a request may say it is going: the names besides localhost and IP addresses. */
export type HostRule = {
  /** SLUICE_HTTP_HOST: the address the server binds. */
  readonly bound: string;
  /** SLUICE_HTTP_ALLOWED_HOSTS: names, and `.domain` for a domain and its subdomains. */
  readonly allowed: readonly string[];
};

const HOST_SAMPLE_LENGTH = 100;

/**
 * Whether a Host header names this server. DNS rebinding needs a name the attacker's DNS answers
 * for, so an IP address (a Kubernetes probe or a Prometheus scrape sends the pod's) is always fine,
 * as is `localhost`; any other name must be the bound host or listed. A request without Host
 * (HTTP/1.0) does not come from a browser.
 */
export function hostAllowed(header: string | undefined, rule: HostRule): boolean {
  if (header === undefined) return true;
  const name = hostName(header);
  if (name === undefined) return false;
  if (name === 'localhost' || isIpLiteral(name)) return true;
  if (name === normalise(rule.bound)) return true;
  return rule.allowed.some((entry) => {
    const allowed = normalise(entry);
    return allowed.startsWith('.') ? name === allowed.slice(1) || name.endsWith(allowed) : name === allowed;
  });
}

/** The host part of a Host header, lower case, without port or trailing dot; undefined if malformed. */
function hostName(header: string): string | undefined {
  const match = /^(\[[^\]]*\]|[^:[\]]*)(?::\d*)?$/.exec(header.trim());
  return match?.[1] === undefined || match[1] === '' ? undefined : normalise(match[1]);
}

function normalise(host: string): string {
  const lower = host.toLowerCase().replace(/\.$/, '');
  // SLUICE_HTTP_HOST=::1 names the address a Host header writes as [::1].
  return isIPv6(lower) ? `[${lower}]` : lower;
}

function isIpLiteral(name: string): boolean {
  return isIPv4(name) || (name.startsWith('[') && name.endsWith(']') && isIPv6(name.slice(1, -1)));
}

/** Whether a request carries a body: a `content-length` above 0, or any `transfer-encoding`. */
export function hasBody(headers: IncomingHttpHeaders): boolean {
  const length = headers['content-length'];
  return headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * The answer to a request the admin server refuses before any route sees it: another site's Host
 * (421), a method other than GET and HEAD (405), a body (413). Undefined: the route answers.
 */
export function refusal(
  request: { readonly method?: string | undefined; readonly headers: IncomingHttpHeaders },
  rule: HostRule,
): AdminResponse | undefined {
  const { host } = request.headers;
  if (!hostAllowed(host, rule)) {
    return json(421, {
      error: `Host ${JSON.stringify(host?.slice(0, HOST_SAMPLE_LENGTH))} is not this server: allowed are localhost, IP addresses, SLUICE_HTTP_HOST and SLUICE_HTTP_ALLOWED_HOSTS`,
    });
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return json(405, { error: 'method not allowed: the admin endpoints are read-only (GET, HEAD)' });
  }
  if (hasBody(request.headers)) {
    return json(413, { error: 'request bodies are refused: the admin endpoints take none' });
  }
  return undefined;
}
