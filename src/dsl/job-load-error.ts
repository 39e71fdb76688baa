// Why a job module failed to import, in a few lines: a missing file, a syntax error with its
// file:line:column, or what its top level threw and where.

import {
  ErrorCode,
  errorText,
  filePath,
  SluiceError,
  sampleValue,
  stackOf,
  userFrame,
} from '../errors/index.ts';

// Node's SyntaxError from type stripping starts its stack with the place: `/path/job.ts:3`, a few
// source lines with a caret line under the mistake's line, then a blank line.
const PLACE = /^(.+):(\d+)$/;
const CARETS = /^( *)(\^+) *$/;
const EXCERPT_LINES = 8;
const SOURCE_CHARS = 160;
const STRIP_ONLY =
  'Node.js runs TypeScript by stripping types only: no enum, namespace, parameter properties or import =';

type Failure = { readonly code?: unknown; readonly url?: unknown };

/**
 * The SLUICE_JOB_INVALID error for a job module `specifier` (at `url`) whose import threw `error`:
 * the message says why in at most a few lines (the cause stays attached as `cause`).
 *
 * @example
 * jobLoadError('/srv/job.ts', 'file:///srv/job.ts', missing).message;
 * // 'cannot load job module /srv/job.ts: the file does not exist'
 */
export function jobLoadError(specifier: string, url: string, error: unknown): SluiceError {
  return new SluiceError(ErrorCode.jobInvalid, `cannot load job module ${specifier}: ${reason(url, error)}`, {
    cause: error,
  });
}

function reason(url: string, error: unknown): string {
  if (!(error instanceof Error)) return `its top level threw ${sampleValue(error)}`;
  const { code, url: missing } = error as Failure;
  if (code === 'ERR_MODULE_NOT_FOUND' && missing === url) return 'the file does not exist';
  const text = `${safeName(error)}: ${errorText(error)}`;
  const stack = stackOf(error) ?? '';
  const place = error instanceof SyntaxError ? syntaxPlace(stack) : undefined;
  const hint = code === 'ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX' ? ` (${STRIP_ONLY})` : '';
  if (place !== undefined) return `syntax error at ${place.at}: ${errorText(error)}${hint}${place.excerpt}`;
  const frame = userFrame(stack);
  if (frame !== undefined) return `${text} (at ${frame})`;
  // Node's SyntaxError for JavaScript source carries no place; `node --check` prints it.
  return error instanceof SyntaxError
    ? `${text}${hint}; node --check ${filePath(url) ?? url} shows where`
    : text;
}

function safeName(error: Error): string {
  try {
    return typeof error.name === 'string' ? error.name.slice(0, 100) : 'Error';
  } catch {
    return 'Error';
  }
}

/** `file:line:column` and the source line with its carets, from a type-stripping SyntaxError's stack. */
function syntaxPlace(stack: string): { readonly at: string; readonly excerpt: string } | undefined {
  const lines = stack.split('\n', EXCERPT_LINES);
  const head = PLACE.exec(lines[0] ?? '');
  if (head === null) return undefined;
  for (let index = 2; index < lines.length && lines[index] !== ''; index++) {
    const carets = CARETS.exec(lines[index] ?? '');
    if (carets === null) continue;
    const indent = carets[1] ?? '';
    const source = lines[index - 1] ?? '';
    const excerpt =
      source.length <= SOURCE_CHARS && indent.length < SOURCE_CHARS
        ? `\n  ${source}\n  ${indent}${carets[2] ?? ''}`
        : '';
    return { at: `${head[1]}:${head[2]}:${indent.length + 1}`, excerpt };
  }
  return { at: `${head[1]}:${head[2]}`, excerpt: '' };
}
