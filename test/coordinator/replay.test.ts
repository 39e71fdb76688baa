import { describe, expect, it } from 'vitest';
import type { BatchStats } from '../../src/coordinator/engine.ts';
import type { CheckpointPort } from '../../src/coordinator/ports.ts';
import { replayLogged } from '../../src/coordinator/replay.ts';
import type { Replay } from '../../src/coordinator/source.ts';
import {
  type BatchPlan,
  type Logger,
  type OffsetRange,
  silentLogger,
  toOffset,
} from '../../src/core/index.ts';
import { generatedWork } from '../../src/sources/index.ts';

const range = (from: number, until: number): OffsetRange => ({
  topic: 't',
  partition: 0,
  fromOffset: toOffset(BigInt(from)),
  untilOffset: toOffset(BigInt(until)),
});
const plans: BatchPlan[] = [
  { batchId: 7, time: 7_000, ranges: [range(10, 12)] },
  { batchId: 8, time: 8_000, ranges: [range(12, 13)] },
];

function replayOf(options: {
  logged?: { plans: readonly BatchPlan[]; nextBatchId: number };
  replay?: Replay;
  stopping?: boolean;
  withLog?: boolean;
}) {
  const events: string[] = [];
  const warnings: unknown[] = [];
  const log: Logger = {
    ...silentLogger,
    warn: (object, message) => void warnings.push({ ...object, message }),
  };
  const checkpoints: CheckpointPort = {
    due: () => false,
    save: async () => {},
    ...(options.withLog === false
      ? {}
      : {
          replay: async () => {
            events.push('read log');
            return options.logged ?? { plans: [], nextBatchId: 0 };
          },
        }),
  };
  const done = replayLogged({
    checkpoints,
    replay: options.replay,
    ownership: { ready: async () => void events.push('ready') },
    batches: {
      continueFrom: (next) => void events.push(`next id ${next}`),
      run: async (time, work, watermark, replayedId) => {
        events.push(
          `batch ${replayedId} at ${time}: ${work.map((w) => `${w.range.fromOffset}-${w.range.untilOffset}`)}${watermark === undefined ? '' : ` ${watermark}`}`,
        );
        return { records: work.length } as unknown as BatchStats;
      },
    },
    commits: {
      restored: (next) => void events.push(`restored ${next}`),
      checkpoint: async () => void events.push('checkpoint'),
    },
    stopping: () => options.stopping ?? false,
    log,
    count: (stats) => void events.push(`count ${stats.records}`),
  });
  return { done, events, warnings };
}

const source: Replay = { replay: async (ranges) => ranges.map(generatedWork) };

describe('replayLogged', () => {
  it('after the first assignment, runs each logged batch again with its id, time and ranges, then checkpoints', async () => {
    const { done, events } = replayOf({ logged: { plans, nextBatchId: 7 }, replay: source });
    await done;
    expect(events).toEqual([
      'ready',
      'read log',
      'next id 7',
      'restored 7',
      'batch 7 at 7000: 10-12',
      'count 1',
      'batch 8 at 8000: 12-13',
      'count 1',
      'checkpoint',
    ]);
  });

  it('with an empty log, only the batch ids go on', async () => {
    const { done, events } = replayOf({ logged: { plans: [], nextBatchId: 3 }, replay: source });
    await done;
    expect(events).toEqual(['ready', 'read log', 'next id 3', 'restored 3']);
  });

  it('without a batch log, does nothing, not even wait for the first assignment', async () => {
    const none = replayOf({ withLog: false, replay: source });
    await none.done;
    expect(none.events).toEqual([]);
  });

  it('a batch that cannot be replayed as it was ends the replay with a warning, then checkpoints', async () => {
    let calls = 0;
    const moved: Replay = {
      replay: async (ranges) => (calls++ === 0 ? ranges.map(generatedWork) : undefined),
    };
    const { done, events, warnings } = replayOf({ logged: { plans, nextBatchId: 7 }, replay: moved });
    await done;
    expect(events.slice(4)).toEqual(['batch 7 at 7000: 10-12', 'count 1', 'checkpoint']);
    expect(warnings).toEqual([
      { batchId: 8, message: 'a logged batch cannot be replayed as it was; going on with new batches' },
    ]);
  });

  it('without a replay port, or once stopping, no logged batch runs', async () => {
    for (const options of [{}, { replay: source, stopping: true }]) {
      const { done, events } = replayOf({ logged: { plans, nextBatchId: 7 }, ...options });
      await done;
      expect(events.slice(4)).toEqual(['checkpoint']);
    }
  });
});
