import { describe, expect, expectTypeOf, it } from 'vitest';
import type { Pair } from '../../src/core/index.ts';
import {
  type AsyncOptions,
  buildGraph,
  type DStream,
  defineJob,
  type JobContext,
  type Node,
} from '../../src/dsl/index.ts';
import { ErrorCode, SluiceError } from '../../src/errors/index.ts';

// mapAsync's and filterAsync's options: one test per validation message, the defaults, and the
// types a job gets.

type Click = { readonly user: string; readonly bytes: number };

/** The node a job's one mapAsync (or filterAsync) adds, with `options`. */
function asyncNode(options: unknown, kind: 'mapAsync' | 'filterAsync' = 'mapAsync'): Node | undefined {
  const graph = buildGraph(
    defineJob((ctx) => {
      const clicks = ctx.stream<Click>();
      const given = options as AsyncOptions;
      if (kind === 'mapAsync') clicks.mapAsync(async (r) => r.value, given).print();
      else clicks.filterAsync(async () => true, given).print();
    }),
    {},
  );
  return graph.nodes[1];
}

function refused(options: unknown, message: string, kind: 'mapAsync' | 'filterAsync' = 'mapAsync'): void {
  expect(() => asyncNode(options, kind)).toThrow(
    new SluiceError(ErrorCode.jobInvalid, `${kind} (node 1): ${message}`),
  );
}

describe('mapAsync options', () => {
  it('defaults: 16 calls per partition, 30 s timeout, fail, one attempt', () => {
    expect(asyncNode(undefined)).toMatchObject({
      kind: 'mapAsync',
      options: {
        concurrency: 16,
        timeoutMs: 30_000,
        onError: 'fail',
        attempts: 1,
        backoffMs: 100,
        maxBackoffMs: 30_000,
      },
    });
  });

  it('takes every option', () => {
    const node = asyncNode({
      concurrency: 1,
      timeoutMs: 2_147_483_647,
      onError: 'dlq',
      retry: { attempts: 100, backoffMs: 60_000 },
    });
    expect(node).toMatchObject({
      options: {
        concurrency: 1,
        timeoutMs: 2_147_483_647,
        onError: 'dlq',
        attempts: 100,
        backoffMs: 60_000,
        maxBackoffMs: 60_000,
      },
    });
  });

  it.each([0, -1, Number.NaN, 1e9, 1.5, Number.POSITIVE_INFINITY])('refuses concurrency %s', (value) => {
    refused({ concurrency: value }, `concurrency must be an integer from 1 to 10000; got ${value}`);
  });

  it('refuses a concurrency that is not a number', () => {
    refused({ concurrency: '4' }, 'concurrency must be an integer from 1 to 10000; got "4"');
  });

  it.each([0, -5, 2_147_483_648, Number.POSITIVE_INFINITY])('refuses timeoutMs %s', (value) => {
    refused({ timeoutMs: value }, `timeoutMs must be an integer from 1 to 2147483647; got ${value}`);
  });

  it('refuses an onError policy it does not have', () => {
    refused({ onError: 'retry' }, `onError must be 'fail' or 'dlq'; got "retry"`);
  });

  it('refuses retry without attempts', () => {
    refused({ retry: { backoffMs: 10 } }, 'retry.attempts is required with retry');
  });

  it.each([0, 101, 2.5])('refuses retry.attempts %s', (value) => {
    refused({ retry: { attempts: value } }, `retry.attempts must be an integer from 1 to 100; got ${value}`);
  });

  it.each([-1, 600_001])('refuses retry.backoffMs %s', (value) => {
    refused(
      { retry: { attempts: 2, backoffMs: value } },
      `retry.backoffMs must be an integer from 0 to 600000; got ${value}`,
    );
  });

  it('refuses an unknown option, naming the known ones', () => {
    refused(
      { concurency: 4 },
      'unknown option "concurency" in options; the options are concurrency, timeoutMs, onError, retry',
    );
  });

  it('refuses an unknown retry option', () => {
    refused(
      { retry: { attempts: 2, delayMs: 5 } },
      'unknown option "delayMs" in retry; the options are attempts, backoffMs',
    );
  });

  it('refuses options that are not an object', () => {
    refused(8, 'options must be an object; got 8');
    refused({ retry: 3 }, 'retry must be an object; got 3');
  });

  it("validates filterAsync's options the same way", () => {
    refused({ concurrency: 0 }, 'concurrency must be an integer from 1 to 10000; got 0', 'filterAsync');
  });

  it('refuses a function that is not one', () => {
    const job = defineJob((ctx) => {
      const clicks = ctx.stream<Click>() as unknown as { mapAsync(fn: unknown): unknown };
      clicks.mapAsync(42);
    });
    expect(() => buildGraph(job, {})).toThrow(
      new SluiceError(
        ErrorCode.jobInvalid,
        'mapAsync (node 1): the first argument must be a function; got number',
      ),
    );
  });
});

describe('mapAsync types', () => {
  it('gives the stream of what the function resolves to', () => {
    defineJob((ctx: JobContext) => {
      const clicks = ctx.stream<Click>();
      expectTypeOf(clicks.mapAsync(async (r) => ({ ...r.value, tier: 'gold' }))).toEqualTypeOf<
        DStream<{ tier: string; user: string; bytes: number }>
      >();
      expectTypeOf(clicks.mapAsync((r) => r.value.bytes)).toEqualTypeOf<DStream<number>>();
      expectTypeOf(clicks.mapAsync(async (r) => [r.value.user, r.value.bytes])).toEqualTypeOf<
        DStream<Pair<string, number>>
      >();
      expectTypeOf(clicks.filterAsync(async (r) => r.value.bytes > 0)).toEqualTypeOf<typeof clicks>();
    });
  });
});
