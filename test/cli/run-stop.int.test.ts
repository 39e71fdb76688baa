// How `sluice run` stops on a signal while it joins its consumer group, on the real broker. The
// join is held by another member of the group that does not rejoin: a consumer of this process
// whose message handler waits on a gate, so it sends no heartbeat and the broker keeps sluice's
// JoinGroup waiting until the test opens the gate. (A signal while still connecting:
// run-stop.test.ts.)
import { describe, expect, it, onTestFinished } from 'vitest';
import { startCli, waitForLog } from '../support/cli.ts';
import { poll } from '../support/http.ts';
import { committedOffsets, sharedClients, testBrokers, testKafka, uniqueName } from '../support/kafka.ts';
import { logged, logLines } from '../support/logs.ts';

const kafka = sharedClients('run-stop-test');

const STOPPING =
  'stopping during start-up: connecting is given up, a group join under way finishes and the group is left; no batch runs';
/** sluice's lines from the signal on, in order ('partitions assigned' may come before or after the start). */
const AFTER_THE_STOP = [
  STOPPING,
  'sluice started',
  'fetching paused: draining the batch in flight',
  'engine stopped',
  'left the consumer group',
  'sluice finished',
];
const PARTITIONS = 2;
const RECORDS_PER_PARTITION = 5;
/** The group's commit before the run: records are waiting past it. */
const COMMITTED = '2';

/**
 * A member of `group` that holds its first message until `release`: from then on the group
 * cannot finish a rebalance, as it never rejoins. It commits nothing; `release` also makes it
 * leave the group.
 */
async function holdingMember(topic: string, group: string): Promise<{ release(): Promise<void> }> {
  // Far beyond the test: the broker neither evicts it nor gives up waiting for it meanwhile.
  const consumer = testKafka('run-stop-holder').consumer({
    groupId: group,
    sessionTimeout: 120_000,
    rebalanceTimeout: 120_000,
  });
  const gate = Promise.withResolvers<void>();
  const holding = Promise.withResolvers<void>();
  await consumer.connect();
  await consumer.subscribe({ topic });
  await consumer.run({
    autoCommit: false,
    eachMessage: async () => {
      holding.resolve();
      await gate.promise;
    },
  });
  await holding.promise;
  const release = async (): Promise<void> => {
    gate.resolve();
    await consumer.disconnect();
  };
  onTestFinished(release);
  return { release };
}

describe('sluice run stops while joining the consumer group', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    'on %s: the join finishes, no batch runs, nothing is committed, the group is left, exit 0',
    { timeout: 120_000 },
    async (signal) => {
      const topic = uniqueName('run-stop');
      const group = uniqueName('run-stop-group');
      const clientId = uniqueName('run-stop-sluice');
      await kafka.admin.createTopics({
        topics: [{ topic, numPartitions: PARTITIONS }],
        waitForLeaders: true,
      });
      await kafka.producer.send({
        topic,
        acks: -1,
        messages: Array.from({ length: PARTITIONS * RECORDS_PER_PARTITION }, (_, i) => ({
          partition: i % PARTITIONS,
          value: JSON.stringify({ url: `/page/${i}` }),
        })),
      });
      await kafka.admin.setOffsets({
        groupId: group,
        topic,
        partitions: Array.from({ length: PARTITIONS }, (_, partition) => ({ partition, offset: COMMITTED })),
      });
      const holder = await holdingMember(topic, group);

      const cli = startCli(['run'], {
        SLUICE_BROKERS: testBrokers().join(','),
        SLUICE_TOPICS: topic,
        SLUICE_GROUP_ID: group,
        SLUICE_CLIENT_ID: clientId,
        SLUICE_KEY_FIELD: 'url',
        SLUICE_BATCH_INTERVAL_MS: '100',
        SLUICE_WORKERS: '1',
        // `batch done` lines: none may have read a record.
        SLUICE_LOG_LEVEL: 'debug',
      });
      onTestFinished(() => void cli.child.kill('SIGKILL'));
      // sluice's member has sent its JoinGroup, which the broker holds: the group waits for the
      // holder to rejoin.
      await poll(async () => {
        const [described] = (await kafka.admin.describeGroups([group])).groups;
        const joining =
          described?.state === 'PreparingRebalance' &&
          described.members.some((member) => member.clientId === clientId);
        return joining ? true : undefined;
      }, `sluice's member joining group ${group}`);

      cli.child.kill(signal);
      await waitForLog(cli, 'the stop during the join', (line) => line.msg === STOPPING);
      await holder.release();
      const result = await cli.done;

      expect(result.code, result.stderr).toBe(0);
      expect(logged(result.stderr, STOPPING).map((line) => line.signal)).toEqual([signal]);
      // The join finished, so this is not the stop while connecting; the run stopped at once.
      expect(logged(result.stderr, 'sluice stopped before the run started')).toEqual([]);
      // The join finished after the stop, then the run stopped as a drain does, with no batch.
      const messages = logLines(result.stderr).map((line) => line.msg);
      expect(messages.filter((msg) => AFTER_THE_STOP.includes(msg))).toEqual(AFTER_THE_STOP);
      expect(messages.filter((msg) => msg === 'partitions assigned')).toHaveLength(1);
      expect(messages.indexOf('partitions assigned')).toBeGreaterThan(messages.indexOf(STOPPING));
      expect(logged(result.stderr, 'engine stopped')[0]).toMatchObject({ batches: 0 });
      expect(
        logged(result.stderr, 'batch done').filter((line) => (line.offsets as string[]).length > 0),
      ).toEqual([]);
      expect(result.stdout).toBe('');
      expect(await committedOffsets(kafka.admin, group, topic)).toEqual(
        Array.from({ length: PARTITIONS }, () => COMMITTED),
      );
      const [described] = (await kafka.admin.describeGroups([group])).groups;
      expect(described?.members).toEqual([]);
    },
  );
});
