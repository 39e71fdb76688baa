import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/coordinator/index.ts';
import type { PartitionPosition } from '../../src/core/index.ts';
import { silentLogger } from '../../src/core/index.ts';
import { Outputs } from '../../src/sinks/index.ts';
import {
  inThreadSlots,
  loggingPlan,
  type Script,
  scriptedAssignment,
  scriptedSource,
} from '../support/scripted-engine.ts';

const id = (partition: number): string => `t\u0000${partition}`;

type Options = {
  /** What `due()` answers after each batch, in order (false once the list is used up). */
  readonly due?: readonly boolean[];
  /** The save call (1-based) that throws. */
  readonly failSave?: number;
  readonly owned?: () => number[];
};

function checkpointedEngine(script: Script, options: Options = {}) {
  const events: string[] = [];
  const saves: { positions: PartitionPosition[]; owned: string[] | undefined }[] = [];
  const plan = loggingPlan(events);
  const due = [...(options.due ?? [])];
  const run = new Engine({
    plan,
    slots: inThreadSlots(plan),
    source: scriptedSource(script, events),
    assignment: options.owned && scriptedAssignment(options.owned),
    replay: undefined,
    outputs: new Outputs(),
    trigger: 'available-now',
    intervalMs: 1000,
    commitIntervalMs: 1000,
    log: silentLogger,
    checkpoints: {
      due: () => due.shift() ?? false,
      async save(positions, owned) {
        saves.push({ positions: [...positions], owned: owned ? [...owned] : undefined });
        if (saves.length === options.failSave) throw new Error('disk full');
        events.push(`save ${positions.map((p) => `${p.partition}@${p.offset}`).join(' ')}`);
      },
    },
  });
  return { run, events, saves };
}

describe('engine with checkpoints', () => {
  it('commits only after a save, exactly the ranges of the batches since the last one', async () => {
    const { run, events } = checkpointedEngine([[2], [1], [1], [3]], { due: [false, true, false, false] });
    expect(await run.run()).toEqual({ batches: 4, records: 7, decodeErrors: 0, late: 0 });
    expect(events).toEqual([
      'output 0: 0:0 0:1',
      'output 1: 0:2',
      'save 0@3',
      'commit 0:0-2 0:2-3',
      'output 2: 0:3',
      'output 3: 0:4 0:5 0:6',
      'save 0@7',
      'commit 0:3-4 0:4-7',
    ]);
  });

  it('without a due checkpoint, saves and commits once, at the end of an available-now run', async () => {
    const { run, events, saves } = checkpointedEngine([
      [1, 2],
      [1, 0],
      [0, 1],
    ]);
    await run.run();
    expect(events).toEqual([
      'output 0: 0:0 1:0 1:1',
      'output 1: 0:1',
      'output 2: 1:2',
      'save 0@2 1@3',
      'commit 0:0-1 1:0-2 0:1-2 1:2-3',
    ]);
    expect(saves).toHaveLength(1);
  });

  it('a save after the last due one covers nothing new: it commits nothing more', async () => {
    const { run, events } = checkpointedEngine([[1], [1]], { due: [false, true] });
    await run.run();
    expect(events).toEqual(['output 0: 0:0', 'output 1: 0:1', 'save 0@2', 'commit 0:0-1 0:1-2', 'save 0@2']);
  });

  it('saves every partition at the untilOffset of its last batch, with no owned set when the source has none', async () => {
    const { run, saves } = checkpointedEngine(
      [
        [2, 1],
        [0, 3],
        [1, 0],
        [0, 0, 4],
      ],
      { due: [false, true] },
    );
    await run.run();
    expect(saves).toEqual([
      {
        positions: [
          { topic: 't', partition: 0, offset: 2n },
          { topic: 't', partition: 1, offset: 4n },
        ],
        owned: undefined,
      },
      {
        positions: [
          { topic: 't', partition: 0, offset: 3n },
          { topic: 't', partition: 1, offset: 4n },
          { topic: 't', partition: 2, offset: 4n },
        ],
        owned: undefined,
      },
    ]);
  });

  it('saves only the partitions the source still owns, and passes them as owned', async () => {
    // Partition 0 is revoked after the first checkpoint.
    let asked = 0;
    const { run, saves } = checkpointedEngine(
      [
        [1, 1],
        [1, 1],
      ],
      {
        due: [true],
        owned: () => (asked++ === 0 ? [0, 1] : [1]),
      },
    );
    await run.run();
    expect(saves).toEqual([
      {
        positions: [
          { topic: 't', partition: 0, offset: 1n },
          { topic: 't', partition: 1, offset: 1n },
        ],
        owned: [id(0), id(1)],
      },
      { positions: [{ topic: 't', partition: 1, offset: 2n }], owned: [id(1)] },
    ]);
  });

  it('a save that throws fails the run; nothing after the last successful save is committed', async () => {
    const { run, events, saves } = checkpointedEngine([[1], [2], [1], [1]], {
      due: [true, false, true],
      failSave: 2,
    });
    await expect(run.run()).rejects.toThrow('disk full');
    expect(events).toEqual([
      'output 0: 0:0',
      'save 0@1',
      'commit 0:0-1',
      'output 1: 0:1 0:2',
      'output 2: 0:3',
    ]);
    expect(saves.map((save) => save.positions)).toEqual([
      [{ topic: 't', partition: 0, offset: 1n }],
      [{ topic: 't', partition: 0, offset: 4n }],
    ]);
  });
});
