import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defineJob, type Job } from '../../src/dsl/index.ts';
import { TestDriver } from '../../src/testing/index.ts';

// Keyed state against a brute-force model, and restarts from a checkpoint between batches
// against the run without them: a restart must change no output, not even its order.

type Rec = { readonly partition: number; readonly key: string; readonly value: number };

type Scenario = {
  readonly partitions: number;
  readonly timeoutMs: number | undefined;
  readonly initial: readonly (readonly [string, number])[];
  readonly batches: readonly (readonly Rec[])[];
  /** After which batches the driver restarts from its checkpoint. */
  readonly restarts: readonly boolean[];
};

const INTERVAL_MS = 1_000;
const KEYS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];

function job(timeoutMs: number | undefined, initial: Scenario['initial']): Job {
  return defineJob((ctx) => {
    const pairs = ctx.stream<{ k: string; v: number }>().map((r): [string, number] => [r.value.k, r.value.v]);
    // A running sum that forgets a key when it reaches a multiple of 7.
    pairs
      .updateStateByKey<number>((values, sum) => {
        const next = (sum ?? 0) + values.reduce((a, b) => a + b, 0);
        return next % 7 === 0 && values.length > 0 ? undefined : next;
      })
      .print();
    // Counts per key; value 0 removes the key; idle keys time out.
    const counts = pairs.mapWithState<number, string>({
      fn: (key, value, state) => {
        if (state.isTimingOut()) return `${key} out at ${state.get()}`;
        if (value === 0) {
          state.remove();
          return undefined;
        }
        state.update((state.getOption() ?? 0) + 1);
        return `${key}=${state.get()}`;
      },
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
      initialState: initial,
    });
    counts.print();
    counts.stateSnapshots().print();
  });
}

/** Per batch: updateStateByKey's output, mapWithState's, and the snapshots, each sorted. */
function model(scenario: Scenario): string[][][] {
  const sums = new Map<string, number>();
  const counts = new Map<string, { count: number; at: number }>();
  for (const [key, state] of scenario.initial) counts.set(key, { count: state, at: INTERVAL_MS });
  const out: string[][][] = [];
  scenario.batches.forEach((records, index) => {
    const time = (index + 1) * INTERVAL_MS;
    // Partitions in order, records in order within each.
    const ordered = [...records].sort((a, b) => a.partition - b.partition);
    const byKey = new Map<string, number[]>();
    for (const record of ordered) byKey.set(record.key, [...(byKey.get(record.key) ?? []), record.value]);
    for (const key of new Set([...sums.keys(), ...byKey.keys()])) {
      const values = byKey.get(key) ?? [];
      const next = (sums.get(key) ?? 0) + values.reduce((a, b) => a + b, 0);
      if (next % 7 === 0 && values.length > 0) sums.delete(key);
      else sums.set(key, next);
    }
    const mapped: string[] = [];
    for (const [key, values] of byKey) {
      for (const value of values) {
        const entry = counts.get(key);
        if (value === 0) counts.delete(key);
        else {
          const count = (entry?.count ?? 0) + 1;
          counts.set(key, { count, at: time });
          mapped.push(`${key}=${count}`);
        }
      }
      const entry = counts.get(key);
      if (entry) entry.at = time;
    }
    if (scenario.timeoutMs !== undefined) {
      for (const [key, entry] of counts) {
        if (time - entry.at <= scenario.timeoutMs) continue;
        mapped.push(`${key} out at ${entry.count}`);
        counts.delete(key);
      }
    }
    const pairs = (map: Map<string, number>) => [...map].map((pair) => JSON.stringify(pair)).sort();
    out.push([
      pairs(sums),
      mapped.sort(),
      pairs(new Map([...counts].map(([key, entry]) => [key, entry.count]))),
    ]);
  });
  return out;
}

async function runDriver(scenario: Scenario, restart: boolean): Promise<unknown[][][]> {
  const driver = new TestDriver(job(scenario.timeoutMs, scenario.initial), {
    partitionCount: scenario.partitions,
    intervalMs: INTERVAL_MS,
  });
  const out: unknown[][][] = [];
  for (const [index, records] of scenario.batches.entries()) {
    const batch = await driver.runBatch(
      records.map((record) => ({ partition: record.partition, value: { k: record.key, v: record.value } })),
    );
    out.push(batch.outputs.map((output) => [...output.values]));
    if (restart && scenario.restarts[index]) driver.restart();
  }
  return out;
}

const scenarios = fc.integer({ min: 1, max: 4 }).chain((partitions) =>
  fc.record({
    partitions: fc.constant(partitions),
    timeoutMs: fc.option(fc.constantFrom(1_000, 1_500, 3_000), { nil: undefined }),
    initial: fc.uniqueArray(fc.tuple(fc.constantFrom(...KEYS), fc.integer({ min: 1, max: 5 })), {
      maxLength: 3,
      selector: ([key]) => key,
    }),
    batches: fc.array(
      fc.array(
        fc.record({
          partition: fc.integer({ min: 0, max: partitions - 1 }),
          key: fc.constantFrom(...KEYS),
          value: fc.integer({ min: 0, max: 6 }),
        }),
        { maxLength: 8 },
      ),
      { minLength: 1, maxLength: 10 },
    ),
    restarts: fc.array(fc.boolean(), { minLength: 10, maxLength: 10 }),
  }),
);

describe('keyed state', () => {
  it('equals the model: updateStateByKey, mapWithState with timeouts and initial state, snapshots', async () => {
    await fc.assert(
      fc.asyncProperty(scenarios, async (scenario) => {
        const actual = (await runDriver(scenario, false)).map((outputs) =>
          outputs.map((values) =>
            values.map((value) => (typeof value === 'string' ? value : JSON.stringify(value))).sort(),
          ),
        );
        expect(actual).toEqual(model(scenario));
      }),
      { numRuns: 300, seed: 7 },
    );
  });

  it('restarting from a checkpoint between batches changes no output and no order', async () => {
    await fc.assert(
      fc.asyncProperty(scenarios, async (scenario) => {
        expect(await runDriver(scenario, true)).toEqual(await runDriver(scenario, false));
      }),
      { numRuns: 300, seed: 11 },
    );
  });
});
