// The checkpoint changelog read back on the real broker, also when exactly-once runs wrote it in
// transactions: then the log ends with a commit marker that no message carries.
import { describe, expect, it, onTestFinished } from 'vitest';
import { type ChangelogEntry, CheckpointChangelog } from '../../src/checkpoint/index.ts';
import { sharedClients, testKafka, uniqueName } from '../support/kafka.ts';

const clients = sharedClients('changelog-test');

function changelog(topic: string): CheckpointChangelog {
  return new CheckpointChangelog({ kafka: testKafka('changelog-test'), ...clients, topic });
}

const text = (records: Map<string, ChangelogEntry>) =>
  Object.fromEntries([...records].map(([key, { last }]) => [key, Buffer.from(last).toString()]));

describe('CheckpointChangelog.latest', () => {
  it('reads the last record per key up to the end of a log written by plain sends', async () => {
    const log = changelog(uniqueName('ckpt-plain'));
    await log.write('t-0', Buffer.from('a'));
    await log.write('t-1', Buffer.from('b'));
    await log.write('t-0', Buffer.from('c'));
    const entries = await log.latest();
    expect(text(entries)).toEqual({ 't-0': 'c', 't-1': 'b' });
    // The one before the last, for a restore that needs the save before an interrupted one.
    const earlier = (key: string) => {
      const bytes = entries.get(key)?.before;
      return bytes && Buffer.from(bytes).toString();
    };
    expect([earlier('t-0'), earlier('t-1')]).toEqual(['a', undefined]);
  });

  it('reaches the end of a log that ends with transaction markers, and leaves aborted records out', async () => {
    const topic = uniqueName('ckpt-tx');
    const log = changelog(topic);
    await log.ensureTopic();
    const producer = testKafka('changelog-test').producer({
      transactionalId: uniqueName('ckpt-tx'),
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    onTestFinished(() => producer.disconnect());
    const committed = await producer.transaction();
    await log.write('t-0', Buffer.from('committed'), committed);
    await committed.commit();
    const aborted = await producer.transaction();
    await log.write('t-0', Buffer.from('aborted'), aborted);
    await aborted.abort();
    expect(text(await log.latest())).toEqual({ 't-0': 'committed' });
  });
});
