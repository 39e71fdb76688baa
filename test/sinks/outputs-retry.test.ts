import { describe, expect, it } from 'vitest';
import type { OutputBatch } from '../../src/coordinator/index.ts';
import type { BatchInfo } from '../../src/core/index.ts';
import { Outputs } from '../../src/sinks/index.ts';

const info: BatchInfo = { batchId: 3, time: 1000, intervalMs: 1000, offsetRanges: [] };

/** An output that throws `failures` times, then records what it got. */
function flaky(node: number, failures: number, calls: number[]): OutputBatch {
  let left = failures;
  return {
    node,
    values: [node],
    sink: {
      type: 'foreachBatch',
      fn: () => {
        calls.push(node);
        if (left-- > 0) throw new Error(`down ${node}`);
      },
    },
  };
}

function outputs(timeoutMs: number, warnings: object[]): Outputs {
  return new Outputs({
    retry: { timeoutMs, firstDelayMs: 1, maxDelayMs: 4 },
    log: { warn: (object) => warnings.push(object) },
  });
}

describe('output retries', () => {
  it('retries a failed output alone, with growing delays, until it succeeds', async () => {
    const calls: number[] = [];
    const warnings: object[] = [];
    const written = await outputs(60_000, warnings).write(
      [flaky(1, 0, calls), flaky(2, 4, calls), flaky(3, 0, calls)],
      info,
    );
    // What the dashboard's drill-down shows: each output's values and attempts.
    expect(written.map(({ node, sink, records, attempts }) => ({ node, sink, records, attempts }))).toEqual([
      { node: 1, sink: 'foreachBatch', records: 1, attempts: 1 },
      { node: 2, sink: 'foreachBatch', records: 1, attempts: 5 },
      { node: 3, sink: 'foreachBatch', records: 1, attempts: 1 },
    ]);
    // The output before the failing one is not written again.
    expect(calls).toEqual([1, 2, 2, 2, 2, 2, 3]);
    expect(warnings).toEqual(
      [1, 2, 4, 4].map((retryInMs, at) => ({
        output: 2,
        batchId: 3,
        attempt: at + 1,
        retryInMs,
        error: 'output 2 (foreachBatch) failed for batch 3: down 2',
      })),
    );
  });

  it('gives up after the timeout with the error naming the output and batch', async () => {
    const calls: number[] = [];
    let clock = 0;
    const failing = new Outputs({
      retry: { timeoutMs: 10, firstDelayMs: 1, maxDelayMs: 1 },
      // Each read of the clock moves it 3 ms: after the fourth failure, 12 ms have passed.
      now: () => (clock += 3),
    });
    await expect(failing.write([flaky(5, 100, calls)], info)).rejects.toMatchObject({
      code: 'SLUICE_SINK',
      message: 'output 5 (foreachBatch) failed for batch 3: down 5',
    });
    expect(calls).toEqual([5, 5, 5, 5]);
  });

  it('without a retry setting, the first failure stops the batch', async () => {
    const calls: number[] = [];
    await expect(new Outputs().write([flaky(1, 1, calls)], info)).rejects.toThrow(
      'output 1 (foreachBatch) failed for batch 3: down 1',
    );
    expect(calls).toEqual([1]);
  });

  it('interrupt() stops retrying: the engine is stopping', async () => {
    const calls: number[] = [];
    const warnings: object[] = [];
    const stopping = new Outputs({
      retry: { timeoutMs: 60_000, firstDelayMs: 50, maxDelayMs: 50 },
      log: { warn: (object) => warnings.push(object) },
    });
    const written = stopping.write([flaky(1, 100, calls)], info);
    stopping.interrupt();
    await expect(written).rejects.toThrow('output 1 (foreachBatch) failed for batch 3: down 1');
    // Interrupted before the first retry.
    expect(calls).toEqual([1]);
    expect(warnings).toEqual([]);
  });

  it('interrupt() during the wait for a retry ends it after one more attempt', async () => {
    const calls: number[] = [];
    let waiting: () => void = () => {};
    const warned = new Promise<void>((resolve) => {
      waiting = resolve;
    });
    const stopping = new Outputs({
      // Room for the first delay even when the first attempt takes a millisecond or more.
      retry: { timeoutMs: 120_000, firstDelayMs: 60_000, maxDelayMs: 60_000 },
      log: { warn: () => waiting() },
    });
    const written = stopping.write([flaky(1, 100, calls)], info);
    await warned;
    stopping.interrupt();
    await expect(written).rejects.toThrow('output 1 (foreachBatch) failed for batch 3: down 1');
    expect(calls).toEqual([1, 1]);
  });
});
