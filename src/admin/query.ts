// Query parameters of the admin endpoints, read strictly: odd input gets a short 400, never a crash.

import { json } from './json-response.ts';
import type { AdminResponse } from './types.ts';

/** How much of a bad value an error message quotes. */
const SAMPLE_LENGTH = 32;
/** Batch ids are dense from 0; more digits than this is no batch of ours. */
const MAX_ID_DIGITS = 15;

/** `text` cut to a bounded sample for an error message. */
export function sampleOf(text: string): string {
  return JSON.stringify(text.length > SAMPLE_LENGTH ? `${text.slice(0, SAMPLE_LENGTH)}…` : text);
}

/**
 * The batch id in `?id=`: a decimal integer from 0, once. Anything else (`__proto__`, -1, 1e300,
 * 0x10, twenty digits, the parameter twice) is a 400 naming the rule and a sample of the value.
 */
export function batchIdParam(query: URLSearchParams): number | AdminResponse {
  const values = query.getAll('id');
  if (values.length !== 1) {
    return json(400, { error: `give one batch id as ?id=<integer from 0>; got ${values.length}` });
  }
  const raw = values[0] as string;
  if (!/^\d+$/.test(raw) || raw.length > MAX_ID_DIGITS) {
    return json(400, { error: `the batch id must be an integer from 0; got ${sampleOf(raw)}` });
  }
  return Number(raw);
}
