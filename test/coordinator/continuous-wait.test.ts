import { describe, expect, it } from 'vitest';
import { type BatchSource, Engine } from '../../src/coordinator/index.ts';
import { silentLogger, toOffset } from '../../src/core/index.ts';
import { buildGraph, type DStream, defineJob, Plan } from '../../src/dsl/index.ts';
import { Outputs } from '../../src/sinks/index.ts';
import { generatedWork } from '../../src/sources/index.ts';
import { inThreadSlots, scriptedAssignment } from '../support/scripted-engine.ts';

/**
 * A source idle for `idleWaits` waits (each moving the clock `stepMs` on), then with one record,
 * then stopping the engine at its next wait. Counts the waits.
 */
function idleSource(idleWaits: number, stepMs: number, clock: { now: number }, stop: () => void) {
  let waits = 0;
  let handed = false;
  const source: BatchSource & { waits(): number } = {
    name: 'idle',
    async next() {
      if (waits < idleWaits || handed) return [];
      handed = true;
      return [
        generatedWork({ topic: 't', partition: 0, fromOffset: toOffset(0n), untilOffset: toOffset(1n) }),
      ];
    },
    async waitForData() {
      waits++;
      clock.now += stepMs;
      if (handed) stop();
    },
    interrupt() {},
    async commit() {},
    async close() {},
    waits: () => waits,
  };
  return source;
}

async function runIdle(job: (stream: DStream<unknown>) => void) {
  const clock = { now: 1_000_000 };
  const batches: number[] = [];
  const plan = new Plan(
    buildGraph(
      defineJob((ctx) => job(ctx.stream())),
      {},
    ),
  );
  let engine: Engine | undefined;
  const source = idleSource(50, 100, clock, () => engine?.stop());
  const slots = inThreadSlots(plan);
  engine = new Engine({
    plan,
    // A window's tick runs the partition without records.
    slots: {
      run: (topic, partition, task) =>
        slots.run(
          topic,
          partition,
          task.type === 'tick'
            ? { type: 'generate', info: task.info, partition, fromOffset: 0, count: 0 }
            : task,
        ),
    },
    source,
    assignment: scriptedAssignment(() => [0]),
    replay: undefined,
    outputs: new Outputs({ write: () => {} }),
    trigger: 'continuous',
    intervalMs: 1_000,
    commitIntervalMs: 1_000,
    log: silentLogger,
    now: () => clock.now,
    onBatch: (stats) => batches.push(stats.consumed),
  });
  await engine.run();
  return { batches, waits: source.waits() };
}

describe('the continuous trigger without records', () => {
  it('waits for data and cuts no empty batch for a job without windows or state', async () => {
    const { batches, waits } = await runIdle((stream) => stream.count().print());
    expect(batches).toEqual([1]);
    expect(waits).toBe(51);
  });

  it('ticks a job with windows once per interval of idle time', async () => {
    const { batches } = await runIdle((stream) => stream.window(2_000, 1_000).count().print());
    // 5000 ms idle in 50 waits: a tick after 1000, 2000, 3000 and 4000 ms; at 5000 the record came.
    expect(batches).toEqual([0, 0, 0, 0, 1]);
  });
});
