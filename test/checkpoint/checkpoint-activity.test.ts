import { describe, expect, it } from 'vitest';
import { CheckpointActivity } from '../../src/checkpoint/checkpoint-activity.ts';

const save = (time: number) => ({
  time,
  durationMs: 5,
  bytes: 10,
  batchId: time,
  partitions: [
    {
      topic: 't',
      partition: 0,
      offset: String(time),
      bytes: 10,
      windowBytes: 6,
      windowNodes: [{ node: 3, bytes: 5 }],
      keyed: null,
    },
  ],
});

describe('CheckpointActivity', () => {
  it('keeps the last 20 saves, newest first, and the last restore', () => {
    const activity = new CheckpointActivity();
    expect(activity.json()).toEqual({ saves: [], lastRestore: null });
    for (let time = 1; time <= 25; time++) activity.saved(save(time));
    const restore = {
      time: 7,
      durationMs: 2,
      partitions: [{ topic: 't', partition: 0, from: 'changelog', offset: '3' }],
    };
    activity.restored(restore);
    const { saves, lastRestore } = activity.json();
    expect(saves.map((item) => item.time)).toEqual(Array.from({ length: 20 }, (_, i) => 25 - i));
    expect(lastRestore).toEqual(restore);
  });
});
