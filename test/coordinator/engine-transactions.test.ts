import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/coordinator/index.ts';
import { silentLogger } from '../../src/core/index.ts';
import { Outputs } from '../../src/sinks/index.ts';
import {
  inThreadSlots,
  loggingPlan,
  type Script,
  scriptedAssignment,
  scriptedSource,
} from '../support/scripted-engine.ts';

/** An exactly-once engine over a scripted source; `events` shows outputs, commits and transactions. */
function transactionalEngine(script: Script, withCheckpoints: boolean) {
  const events: string[] = [];
  const plan = loggingPlan(events);
  const engine = new Engine({
    plan,
    slots: inThreadSlots(plan),
    source: scriptedSource(script, events),
    assignment: scriptedAssignment(() => [0, 1]),
    replay: undefined,
    outputs: new Outputs(),
    trigger: 'available-now',
    intervalMs: 1000,
    commitIntervalMs: 1000,
    log: silentLogger,
    transactions: {
      own: (partitions) => void events.push(`own ${partitions.map((p) => p.partition).join(',')}`),
      async commit(offsets) {
        events.push(`transaction ${offsets.map((o) => `${o.partition}@${o.offset}`).join(' ')}`);
      },
    },
    ...(withCheckpoints
      ? {
          checkpoints: {
            due: () => false,
            async save(positions) {
              events.push(`save ${positions.map((p) => `${p.partition}@${p.offset}`).join(' ')}`);
            },
          },
        }
      : {}),
  });
  return { engine, events };
}

describe('engine, exactly-once', () => {
  it('without checkpoints, each batch commits its offsets in the transaction; nothing is committed outside it', async () => {
    const { engine, events } = transactionalEngine(
      [
        [2, 1],
        [0, 1],
      ],
      false,
    );
    await engine.run();
    expect(events).toEqual([
      'own 0,1',
      'output 0: 0:0 0:1 1:0',
      'transaction 0@2 1@1',
      'own 0,1',
      'output 1: 1:1',
      'transaction 1@2',
    ]);
  });

  it('with checkpoints, the offsets wait for the save (whose transaction carries them); no plain commit', async () => {
    const { engine, events } = transactionalEngine(
      [
        [2, 1],
        [0, 1],
      ],
      true,
    );
    await engine.run();
    expect(events).toEqual(['own 0,1', 'output 0: 0:0 0:1 1:0', 'own 0,1', 'output 1: 1:1', 'save 0@2 1@2']);
  });
});
