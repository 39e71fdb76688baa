import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.ts';
import { warnPartialAssignment } from '../../../src/kafka/consumer/assignment-warnings.ts';

function capture() {
  const warnings: { object: object; message: string }[] = [];
  const log = {
    info: () => {},
    warn: (object: object, message: string) => void warnings.push({ object, message }),
    error: () => {},
    debug: () => {},
  };
  return { log, warnings };
}

const config = loadConfig({ SLUICE_BROKERS: '127.0.0.1:1', SLUICE_TOPICS: 't', SLUICE_GROUP_ID: 'g' });
const counts = new Map([
  ['t', 2],
  ['t-repartition', 2],
]);

describe('warnPartialAssignment', () => {
  it('says nothing when this instance owns every input partition (repartition topics aside)', () => {
    const { log, warnings } = capture();
    const owned = [
      { topic: 't', partition: 0 },
      { topic: 't', partition: 1 },
    ];
    const options = { config, log, bounded: true, recordWindows: true, repartitionTopics: ['t-repartition'] };
    warnPartialAssignment(options, counts, owned, true);
    expect(warnings).toEqual([]);
  });

  it('warns an available-now run on its first assignment, and a job with window()s', () => {
    const { log, warnings } = capture();
    const options = { config, log, bounded: true, recordWindows: true, repartitionTopics: ['t-repartition'] };
    warnPartialAssignment(options, counts, [{ topic: 't', partition: 1 }], true);
    expect(warnings.map(({ object }) => object)).toEqual([
      { groupId: 'g', assigned: ['t-1'], partitions: 2, sessionTimeoutMs: config.sessionTimeoutMs },
      { groupId: 'g', assigned: ['t-1'], partitions: 2 },
    ]);
    expect(warnings[0]?.message).toMatch(/^available-now: this run was given only some partitions/);
    expect(warnings[1]?.message).toMatch(/^window\(\) holds the records of this instance's partitions only/);
  });

  it('does not warn an available-now run again after its first assignment', () => {
    const { log, warnings } = capture();
    warnPartialAssignment({ config, log, bounded: true }, counts, [{ topic: 't', partition: 1 }], false);
    expect(warnings).toEqual([]);
  });
});
