// Where in the user's own code an error was thrown: the first stack frame outside Sluice and Node.

import { fileURLToPath } from 'node:url';

// This file sits in src/errors/, so its parent is Sluice's src/: frames there are the engine's.
const SLUICE_SRC = new URL('../', import.meta.url);
const SLUICE_SRC_PATH = fileURLToPath(SLUICE_SRC);
// `    at fn (file:///a/b.ts:3:7)` or `    at file:///a/b.ts:3:7`; the location is the last `(…)` or the rest.
const FRAME = /^\s+at (?:.*\((.+)\)|(.+))$/;
const LOCATION = /^(.+):(\d+):(\d+)$/;
/** Frames looked at: Error.stackTraceLimit is 10 by default, and a user frame is near the top. */
const FRAMES = 50;

/**
 * The first frame of `stack` in a file that is neither Sluice's own `src/`, nor under
 * `node_modules/`, nor Node's (`node:`), as `path:line:column`; undefined when there is none.
 *
 * @example
 * userFrame('Error: x\n    at f (file:///home/me/job.ts:5:11)\n    at g (file:///app/src/task/x.ts:1:1)');
 * // '/home/me/job.ts:5:11'
 */
export function userFrame(stack: string): string | undefined {
  const lines = stack.split('\n', FRAMES + 1);
  for (const line of lines) {
    const match = FRAME.exec(line);
    const location = match?.[1] ?? match?.[2];
    const parts = location === undefined ? null : LOCATION.exec(location);
    if (parts === null) continue;
    const path = filePath(parts[1] ?? '');
    if (path === undefined || path.startsWith(SLUICE_SRC_PATH) || path.includes('/node_modules/')) continue;
    return `${path}:${parts[2]}:${parts[3]}`;
  }
  return undefined;
}

/** The stack of `error` when it has one that can be read; never throws. */
export function stackOf(error: unknown): string | undefined {
  try {
    const stack: unknown = error instanceof Error ? error.stack : undefined;
    return typeof stack === 'string' ? stack : undefined;
  } catch {
    return undefined;
  }
}

/** A file's path from a frame's `file:` URL or absolute path; undefined for `node:`, `<anonymous>`, …. */
export function filePath(location: string): string | undefined {
  if (location.startsWith('file:')) {
    try {
      return fileURLToPath(location);
    } catch {
      return undefined;
    }
  }
  return location.startsWith('/') || /^[A-Za-z]:\\/.test(location) ? location : undefined;
}
