// An error crossing the worker-thread boundary: plain data out of a slot, an Error again on the main thread.
import { ErrorCode } from './codes.ts';
import { redactText } from './redact.ts';
import { clipText, errorText, MESSAGE_CHARS, sampleValue } from './sample.ts';
import { SluiceError } from './sluice-error.ts';

/**
 * An error as plain data, which structured clone and msgpack carry whole (a cloned Error loses
 * its `code` and its class): name, code, message, stack and, below it, its causes.
 */
export type SlotErrorData = {
  readonly kind: 'slot-error';
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  readonly stack?: string;
  readonly cause?: SlotErrorData;
};

/** Causes kept below an error; deeper ones are dropped (a chain can be a cycle). */
export const MAX_CAUSES = 8;
/** Frames kept of each stack, and characters of them. */
export const STACK_FRAMES = 40;
export const STACK_CHARS = 4_000;
const NAME_CHARS = 100;
const FRAME = /\n\s+at /;

const CODES = new Set<string>(Object.values(ErrorCode));

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && CODES.has(code);
}

/**
 * `error` and its causes as plain data, in the slot: messages clipped to MESSAGE_CHARS, stacks to
 * STACK_FRAMES frames, at most MAX_CAUSES causes, secrets redacted. Never throws.
 */
export function slotErrorData(error: unknown): SlotErrorData {
  const links: unknown[] = [error];
  for (let link = error; links.length <= MAX_CAUSES; ) {
    const cause = causeOf(link);
    if (cause === undefined || links.includes(cause)) break;
    links.push(cause);
    link = cause;
  }
  let data: SlotErrorData | undefined;
  for (const link of links.reverse()) data = linkData(link, data);
  return data ?? linkData(error, undefined);
}

/** Whether `value` is what slotErrorData made, after crossing. */
export function isSlotErrorData(value: unknown): value is SlotErrorData {
  return (
    typeof value === 'object' &&
    value !== null &&
    'kind' in value &&
    value.kind === 'slot-error' &&
    'name' in value &&
    typeof value.name === 'string' &&
    'message' in value &&
    typeof value.message === 'string'
  );
}

/**
 * The slot's error as an Error again, with its stack and causes: a SluiceError where it had one
 * of our codes, otherwise an Error with its name and code.
 */
export function reviveSlotError(data: SlotErrorData): Error {
  const links: SlotErrorData[] = [];
  for (let link: SlotErrorData | undefined = data; link && links.length <= MAX_CAUSES; link = link.cause) {
    links.push(link);
  }
  let cause: Error | undefined;
  for (const link of links.reverse()) {
    const options = cause ? { cause } : undefined;
    const error = isErrorCode(link.code)
      ? new SluiceError(link.code, link.message, options)
      : Object.assign(new Error(link.message, options), link.code === undefined ? {} : { code: link.code });
    if (!(error instanceof SluiceError)) error.name = link.name;
    if (link.stack !== undefined) error.stack = link.stack;
    cause = error;
  }
  return cause ?? new Error(data.message);
}

/**
 * The main thread's error for a slot's failure: `code` and `message`, the slot's error as its
 * cause, and the slot's stack frames under its first line, above the main thread's.
 *
 * @example
 * throw slotFailure(ErrorCode.userFunction, 'boom (at topic t, partition 0, offset 3)', result.fatalError);
 */
export function slotFailure(code: ErrorCode, message: string, data?: SlotErrorData): SluiceError {
  const error = new SluiceError(code, message, data ? { cause: reviveSlotError(data) } : undefined);
  // The main thread's frames start at the caller, as if it had made the error.
  Error.captureStackTrace(error, slotFailure);
  if (data?.stack === undefined) return error;
  const header = `${error.name}: ${error.message}`;
  const own = error.stack ?? header;
  const ownFrames = own.startsWith(header) ? own.slice(header.length) : `\n${own}`;
  error.stack = `${header}${framesOf(data.stack)}${ownFrames}`;
  return error;
}

function causeOf(link: unknown): unknown {
  if (!(link instanceof Error)) return undefined;
  try {
    return link.cause;
  } catch {
    return undefined;
  }
}

function linkData(link: unknown, cause: SlotErrorData | undefined): SlotErrorData {
  const below = cause ? { cause } : {};
  if (!(link instanceof Error)) {
    return {
      kind: 'slot-error',
      name: typeof link,
      message: redactText(sampleValue(link, MESSAGE_CHARS)),
      ...below,
    };
  }
  const name = clipText(safeString(() => link.name) ?? 'Error', NAME_CHARS);
  const message = redactText(errorText(link));
  const code = safeString(() => ('code' in link ? link.code : undefined));
  const stack = safeString(() => link.stack);
  return {
    kind: 'slot-error',
    name,
    message,
    ...(code === undefined ? {} : { code: clipText(code, NAME_CHARS) }),
    ...(stack === undefined ? {} : { stack: boundedStack(stack, `${name}: ${message}`) }),
    ...below,
  };
}

/** The stack's first frames under `header` (the clipped message): a message of 1 MB is in the stack too. */
function boundedStack(stack: string, header: string): string {
  const first = stack.search(FRAME);
  if (first < 0) return redactText(clipText(stack, STACK_CHARS));
  const lines = stack.slice(first + 1, first + 1 + STACK_CHARS).split('\n');
  const whole = first + 1 + STACK_CHARS >= stack.length ? lines : lines.slice(0, -1);
  return redactText(`${header}\n${whole.slice(0, STACK_FRAMES).join('\n')}`);
}

/** The frame lines of a stack, each after a newline; the whole stack when it has none. */
function framesOf(stack: string): string {
  const first = stack.search(FRAME);
  return first < 0 ? `\n${stack}` : stack.slice(first);
}

function safeString(read: () => unknown): string | undefined {
  try {
    const value = read();
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}
