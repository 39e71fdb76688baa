/** Repartition records: what one instance sends another through a repartition topic, and its msgpack form. */
import { decodePlain, encodePlain } from '../core/index.ts';
import type { KeyedStateNode, WindowAggregateNode } from '../dsl/index.ts';
import { ErrorCode, SluiceError } from '../errors/index.ts';
import type { SessionKeyUpdate } from '../window/index.ts';

/** A key's values for a state partition owned elsewhere: one repartition record. */
export type KeyForward = {
  readonly node: number;
  /** The key's state partition: the repartition topic's partition it goes to. */
  readonly partition: number;
  readonly key: unknown;
  readonly values: readonly unknown[];
};

/** A window message for state partition `partition`, owned by another instance. */
export type WindowForward = {
  readonly kind: 'window';
  readonly node: number;
  readonly partition: number;
  readonly message: WindowMessage;
};

/** A window message read from partition `partition` of a window operation's repartition topic. */
export type WindowIncoming = { readonly partition: number; readonly message: WindowMessage };

/** A repartition record: a key's values for keyed state, or a window operation's message. */
export type Forward = KeyForward | WindowForward;

/**
 * The repartition topic of a state operation: `<group>-<kind>-<node id>-repartition`, e.g.
 * `totals-updateStateByKey-3-repartition`. Node ids are the job graph's (stable for one job).
 */
export function repartitionTopic(
  group: string,
  node: Pick<KeyedStateNode | WindowAggregateNode, 'kind' | 'id'>,
): string {
  return `${group}-${node.kind}-${node.id}-repartition`;
}

/** A repartition record's body: msgpack `[key, values]`. */
export function encodeForward(key: unknown, values: readonly unknown[]): Uint8Array {
  return encodePlain([key, values]);
}

export function decodeForward(bytes: Uint8Array, where: string): [unknown, unknown[]] {
  let decoded: unknown;
  try {
    decoded = decodePlain(bytes);
  } catch (error) {
    throw new SluiceError(
      ErrorCode.repartition,
      `${where}: a repartition record is not msgpack [key, values]: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  if (!Array.isArray(decoded) || decoded.length !== 2 || !Array.isArray(decoded[1])) {
    throw new SluiceError(ErrorCode.repartition, `${where}: a repartition record is not [key, values]`);
  }
  return [decoded[0], decoded[1] as unknown[]];
}

/**
 * A record of a window operation's repartition topic: the partials of one source partition's
 * window for the keys of one state partition, a source partition's open sessions of such keys
 * after a batch that ran with watermark `through`, or how far the sender's partitions have fired.
 */
export type WindowMessage =
  | {
      readonly type: 'partials';
      readonly topic: string;
      readonly partition: number;
      readonly start: number;
      readonly end: number;
      readonly pairs: [unknown, unknown][];
    }
  | {
      readonly type: 'sessions';
      readonly topic: string;
      readonly partition: number;
      readonly through: number;
      readonly keys: SessionKeyUpdate[];
    }
  | {
      readonly type: 'progress';
      /** `[source partition number, time its windows fired through]`. */
      readonly through: [number, number][];
    };

const PARTIALS = 0;
const PROGRESS = 1;
const SESSIONS = 2;

/**
 * msgpack `[0, topic, partition, start, end, [key, partial][]]`, `[1, [source, through][]]` or
 * `[2, topic, partition, through, [key, [start, last, partial, changed][]][]]`.
 */
export function encodeWindowMessage(message: WindowMessage): Uint8Array {
  switch (message.type) {
    case 'partials':
      return encodePlain([
        PARTIALS,
        message.topic,
        message.partition,
        message.start,
        message.end,
        message.pairs,
      ]);
    case 'sessions':
      return encodePlain([SESSIONS, message.topic, message.partition, message.through, message.keys]);
    case 'progress':
      return encodePlain([PROGRESS, message.through]);
  }
}

export function decodeWindowMessage(bytes: Uint8Array, where: string): WindowMessage {
  const fail = (reason: string, cause?: unknown): never => {
    throw new SluiceError(ErrorCode.repartition, `${where}: ${reason}`, cause ? { cause } : undefined);
  };
  let decoded: unknown;
  try {
    decoded = decodePlain(bytes);
  } catch (error) {
    fail(`a window record is not msgpack: ${error instanceof Error ? error.message : String(error)}`, error);
  }
  if (!Array.isArray(decoded)) return fail('a window record is not an array');
  const [type, ...rest] = decoded as unknown[];
  if (type === PROGRESS && isPairs(rest[0]) && rest[0].every(([a, b]) => isInt(a) && typeof b === 'number')) {
    return { type: 'progress', through: rest[0] as [number, number][] };
  }
  const [topic, partition, start, end, pairs] = rest;
  if (
    type === SESSIONS &&
    typeof topic === 'string' &&
    isInt(partition) &&
    typeof start === 'number' &&
    isSessionKeys(end)
  ) {
    return { type: 'sessions', topic, partition, through: start, keys: end };
  }
  if (
    type === PARTIALS &&
    typeof topic === 'string' &&
    isInt(partition) &&
    typeof start === 'number' &&
    typeof end === 'number' &&
    isPairs(pairs)
  ) {
    return { type: 'partials', topic, partition, start, end, pairs };
  }
  return fail(
    'a window record is neither [0, topic, partition, start, end, pairs], [1, progress] nor [2, topic, partition, through, sessions]',
  );
}

function isInt(value: unknown): value is number {
  return Number.isSafeInteger(value);
}

function isSessionKeys(value: unknown): value is SessionKeyUpdate[] {
  return (
    isPairs(value) &&
    value.every(
      ([, sessions]) =>
        Array.isArray(sessions) &&
        sessions.every(
          (session) =>
            Array.isArray(session) &&
            session.length === 4 &&
            typeof session[0] === 'number' &&
            typeof session[1] === 'number' &&
            typeof session[3] === 'boolean',
        ),
    )
  );
}

function isPairs(value: unknown): value is [unknown, unknown][] {
  return Array.isArray(value) && value.every((pair) => Array.isArray(pair) && pair.length === 2);
}
