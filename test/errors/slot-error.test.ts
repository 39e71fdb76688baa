import { describe, expect, it } from 'vitest';
import { decodePlain, encodePlain } from '../../src/core/index.ts';
import {
  ErrorCode,
  isSlotErrorData,
  isSluiceError,
  MAX_CAUSES,
  reviveSlotError,
  SluiceError,
  slotErrorData,
  slotFailure,
} from '../../src/errors/index.ts';
import { STACK_CHARS, STACK_FRAMES } from '../../src/errors/slot-error.ts';

// The slot side (slotErrorData) and the main side (slotFailure, reviveSlotError) of an error
// crossing the thread boundary, by structured clone (a thrown task) and by msgpack (a result).

class LedgerError extends Error {
  readonly code = 'E_LEDGER';

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'LedgerError';
  }
}

function postEntry(): never {
  const refused = new SluiceError(ErrorCode.sink, 'table entries refused the row');
  throw new LedgerError('entry 7 does not balance', {
    cause: new Error('sum is 3, not 0', { cause: refused }),
  });
}

function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return expect.fail('nothing was thrown');
}

/** The causes of `error`, outermost first, as [name, code, message]. */
function chain(error: Error): [string, unknown, string][] {
  const links: [string, unknown, string][] = [];
  for (let link: unknown = error.cause; link instanceof Error; link = link.cause) {
    links.push([link.name, (link as { code?: unknown }).code, link.message]);
  }
  return links;
}

const crossings = [
  ['structured clone', (value: unknown) => structuredClone(value)],
  ['msgpack', (value: unknown) => decodePlain(encodePlain(value))],
] as const;

describe('an error from a slot', () => {
  for (const [crossing, cross] of crossings) {
    it(`keeps code, message, stack and causes across ${crossing}`, () => {
      const data = cross(slotErrorData(thrownBy(postEntry)));
      if (!isSlotErrorData(data)) return expect.fail('not slot error data after crossing');
      const error = slotFailure(
        ErrorCode.userFunction,
        'entry 7 does not balance (at topic t, partition 0, offset 4)',
        data,
      );

      expect(error).toBeInstanceOf(SluiceError);
      expect(error.code).toBe('SLUICE_USER_FUNCTION');
      expect(error.message).toBe('entry 7 does not balance (at topic t, partition 0, offset 4)');
      expect(chain(error)).toEqual([
        ['LedgerError', 'E_LEDGER', 'entry 7 does not balance'],
        ['Error', undefined, 'sum is 3, not 0'],
        ['SluiceError', 'SLUICE_SINK', 'table entries refused the row'],
      ]);
      const innermost = (error.cause as Error).cause as Error;
      expect(isSluiceError(innermost.cause, ErrorCode.sink)).toBe(true);

      // The main error's stack: its line, the slot's frames (postEntry first), then its own frames.
      const lines = (error.stack ?? '').split('\n');
      expect(lines[0]).toBe(`SluiceError: ${error.message}`);
      expect(lines[1]).toMatch(/^ {4}at postEntry \(.*slot-error\.test\.ts:\d+:\d+\)$/);
      // Each cause keeps the stack it had in the slot.
      const thrown = error.cause as Error;
      const slotLines = thrown.stack?.split('\n') ?? [];
      expect(lines.slice(1, slotLines.length)).toEqual(slotLines.slice(1));
      expect(lines.length).toBeGreaterThan(slotLines.length);
      expect(thrown.stack?.split('\n').slice(0, 2)).toEqual([
        'LedgerError: entry 7 does not balance',
        expect.stringMatching(/^ {4}at postEntry \(.*slot-error\.test\.ts:\d+:\d+\)$/),
      ]);
      expect(innermost.cause instanceof Error && innermost.cause.stack).toMatch(
        /^SluiceError: table entries refused the row\n {4}at postEntry /,
      );
    });
  }

  it('revives an error of one of our codes as a SluiceError, others as an Error with their name and code', () => {
    const sluice = reviveSlotError(slotErrorData(new SluiceError(ErrorCode.state, 'no layout')));
    expect(isSluiceError(sluice, ErrorCode.state)).toBe(true);
    expect(sluice.message).toBe('no layout');
    const other = reviveSlotError(slotErrorData(Object.assign(new RangeError('too far'), { code: 'ERR_X' })));
    expect(other).not.toBeInstanceOf(SluiceError);
    expect({ name: other.name, code: (other as { code?: unknown }).code, message: other.message }).toEqual({
      name: 'RangeError',
      code: 'ERR_X',
      message: 'too far',
    });
  });

  it('without slot data, slotFailure is a plain SluiceError', () => {
    const error = slotFailure(ErrorCode.decode, 'cannot decode');
    expect({ code: error.code, message: error.message, cause: error.cause }).toEqual({
      code: 'SLUICE_DECODE',
      message: 'cannot decode',
      cause: undefined,
    });
    expect(error.stack?.split('\n')[1]).toMatch(/slot-error\.test\.ts/);
  });

  it('what is thrown that is not an Error: its sampled text', () => {
    expect(slotErrorData({ reason: 'quota', left: 0 })).toEqual({
      kind: 'slot-error',
      name: 'object',
      message: '{"reason":"quota","left":0}',
    });
    expect(slotErrorData('just text')).toEqual({
      kind: 'slot-error',
      name: 'string',
      message: '"just text"',
    });
    const withText = slotErrorData(new Error('outer', { cause: 'a string cause' }));
    expect(withText.cause).toEqual({ kind: 'slot-error', name: 'string', message: '"a string cause"' });
  });

  it('tells slot data from other rejections', () => {
    expect(isSlotErrorData(slotErrorData(new Error('x')))).toBe(true);
    for (const other of [
      new Error('x'),
      null,
      undefined,
      'slot-error',
      { kind: 'slot-error' },
      { kind: 'other', name: 'a', message: 'b' },
    ]) {
      expect(isSlotErrorData(other)).toBe(false);
    }
  });
});

describe('slot error data is bounded', () => {
  it('a message of 1 MB is clipped, in the message and at the head of the stack', () => {
    const data = slotErrorData(new Error('x'.repeat(1_000_000)));
    expect(data.message).toBe(`${'x'.repeat(500)}… (1000000 chars)`);
    const stack = data.stack ?? '';
    expect(stack.split('\n')[0]).toBe(`Error: ${data.message}`);
    expect(stack.split('\n')[1]).toMatch(/^ {4}at .*slot-error\.test\.ts/);
    expect(stack.length).toBeLessThan(600 + STACK_CHARS);
  });

  it(`a deep stack keeps its first ${STACK_FRAMES} frames, whole lines only`, () => {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 200;
    try {
      const deep = (n: number): Error => (n === 0 ? new Error('deep') : deep(n - 1));
      const data = slotErrorData(deep(150));
      const frames = (data.stack ?? '').split('\n').slice(1);
      expect(frames).toHaveLength(STACK_FRAMES);
      for (const frame of frames) expect(frame).toMatch(/^ {4}at .+:\d+:\d+\)?$/);
    } finally {
      Error.stackTraceLimit = limit;
    }
  });

  it(`keeps ${MAX_CAUSES} causes of a longer chain, and a cycle once`, () => {
    let error = new Error('cause 0');
    for (let depth = 1; depth <= 20; depth++) error = new Error(`cause ${depth}`, { cause: error });
    const revived = reviveSlotError(slotErrorData(error));
    expect(revived.message).toBe('cause 20');
    expect(chain(revived).map(([, , message]) => message)).toEqual(
      Array.from({ length: MAX_CAUSES }, (_, index) => `cause ${19 - index}`),
    );

    const first = new Error('first');
    const second = new Error('second', { cause: first });
    Object.defineProperty(first, 'cause', { value: second });
    expect(chain(reviveSlotError(slotErrorData(first))).map(([, , message]) => message)).toEqual(['second']);
  });

  it('carries no secret: URL passwords are redacted in messages and stacks', () => {
    const error = new Error('cannot connect to postgres://app:hunter2@db:5432/sales', {
      cause: new Error('auth failed for postgres://app:hunter2@db:5432/sales'),
    });
    const text = JSON.stringify(slotErrorData(error));
    expect(text).not.toContain('hunter2');
    expect(text).toContain('postgres://app:[redacted]@db:5432/sales');
  });

  it('never throws, whatever the error does when read', () => {
    const hostile = new Error('hostile');
    for (const property of ['name', 'stack', 'cause', 'code']) {
      Object.defineProperty(hostile, property, {
        get() {
          throw new Error(`reading ${property}`);
        },
      });
    }
    expect(slotErrorData(hostile)).toEqual({ kind: 'slot-error', name: 'Error', message: 'hostile' });
  });
});
