// An admin answer of JSON: one line, with the status given.

import type { AdminResponse } from './types.ts';

export function json(status: number, value: unknown): AdminResponse {
  return { status, contentType: 'application/json; charset=utf-8', body: `${JSON.stringify(value)}\n` };
}
