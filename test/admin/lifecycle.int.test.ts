// Issue 8, item 7: the container lifecycle, each path with a real `sluice run` process on the real
// broker. The batch whose output waits on a gate file (test/fixtures/jobs/gated.ts) holds the
// process where a test wants it, without timing. Covered elsewhere, not repeated here: /readyz
// answering 503 during a drain (admin.int.test.ts), a plain SIGTERM drain of word count
// (direct-source.int.test.ts), and brokers away longer than SLUICE_KAFKA_RETRY_TIMEOUT_MS making
// the run exit 1 with SLUICE_KAFKA_UNAVAILABLE (broker-restart.int.test.ts).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AssignerProtocol, type Consumer, type PartitionAssigner } from 'kafkajs';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { GatedOutput } from '../fixtures/jobs/gated.ts';
import { freePort, type RunningCli, startCli, waitForLines } from '../support/cli.ts';
import { httpGet, poll } from '../support/http.ts';
import { committedOffsets, sharedClients, testBrokers, testKafka, uniqueName } from '../support/kafka.ts';
import { type LogLine, logged, logLines } from '../support/logs.ts';
import { tempDirs } from '../support/temp-dirs.ts';

const kafka = sharedClients('lifecycle-test');
const tempDir = tempDirs('sluice-lifecycle');

const GATED_JOB = 'test/fixtures/jobs/gated.ts';
const DRAINING = 'draining: finishing the batch in flight, then committing and leaving the group';
/** Below the stall timeout the tests use (3000 ms), as the configuration requires. */
const SHORT_RETRIES = { SLUICE_SINK_RETRY_TIMEOUT_MS: '1000', SLUICE_KAFKA_RETRY_TIMEOUT_MS: '2000' };

async function createTopic(partitions: number): Promise<string> {
  const topic = uniqueName('lifecycle');
  await kafka.admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
  return topic;
}

/** Writes `words[p]` to partition p, each partition's records in one produce request. */
async function produce(topic: string, words: readonly (readonly string[])[]): Promise<void> {
  await kafka.producer.send({
    topic,
    acks: -1,
    messages: words.flatMap((values, partition) => values.map((value) => ({ partition, value }))),
  });
}

type Run = {
  readonly cli: RunningCli;
  readonly url: string;
  readonly group: string;
  readonly gate: string;
  readonly waiting: string;
  readonly output: string;
};

/**
 * `sluice run` of the gated job, its output gate closed: the first batch with records waits. The
 * process is killed when the test ends, also one that timed out.
 */
async function startGated(topic: string, env: Record<string, string> = {}): Promise<Run> {
  const dir = tempDir();
  const port = await freePort();
  const group = uniqueName('lifecycle-group');
  const files = { gate: join(dir, 'gate'), waiting: join(dir, 'waiting'), output: join(dir, 'output.jsonl') };
  const cli = startCli(['run', GATED_JOB], {
    SLUICE_BROKERS: testBrokers().join(','),
    SLUICE_TOPICS: topic,
    SLUICE_GROUP_ID: group,
    SLUICE_VALUE_FORMAT: 'string',
    SLUICE_BATCH_INTERVAL_MS: '200',
    SLUICE_WORKERS: '2',
    SLUICE_HTTP_PORT: String(port),
    OUTPUT_GATE: files.gate,
    OUTPUT_WAITING: files.waiting,
    OUTPUT_FILE: files.output,
    ...env,
  });
  onTestFinished(() => {
    cli.child.kill('SIGKILL');
  });
  return { cli, url: `http://127.0.0.1:${port}`, group, ...files };
}

/** The id of the batch that waits at the gate, once it does. */
async function waitingBatch(run: Run): Promise<number> {
  const text = await poll(
    async () => (existsSync(run.waiting) ? readFileSync(run.waiting, 'utf8') : undefined),
    'the output to wait at its gate',
  );
  return Number(text);
}

function outputs(run: Run): GatedOutput[] {
  if (!existsSync(run.output)) return [];
  return readFileSync(run.output, 'utf8')
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as GatedOutput);
}

/** The index of the first line from `from` on with message `msg` (and the fields of `match`). */
function indexOf(lines: readonly LogLine[], msg: string, from = 0, match: object = {}): number {
  const index = lines.findIndex(
    (line, i) =>
      i >= from &&
      line.msg === msg &&
      Object.entries(match).every(([key, value]) => JSON.stringify(line[key]) === JSON.stringify(value)),
  );
  if (index < 0) throw new Error(`no log line '${msg}' ${JSON.stringify(match)} from line ${from}`);
  return index;
}

/** The lines starting with an error code: what every error that ends a run prints, once. */
function failureLines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line.startsWith('SLUICE_'));
}

describe('sluice run: shutdown paths', () => {
  it('a second signal while draining exits at once with 130, committing nothing of the batch in flight', async () => {
    const topic = await createTopic(1);
    await produce(topic, [['a', 'b', 'a']]);
    const run = await startGated(topic);
    await waitingBatch(run);
    run.cli.child.kill('SIGTERM');
    await waitForLines(run.cli, DRAINING, 1);
    run.cli.child.kill('SIGINT');
    const result = await run.cli.done;
    expect(result.code).toBe(130);
    expect(logged(result.stderr, 'second signal: exiting now').map((line) => line.signal)).toEqual([
      'SIGINT',
    ]);
    expect(logged(result.stderr, 'sluice finished')).toEqual([]);
    expect(outputs(run)).toEqual([]);
    expect(await committedOffsets(kafka.admin, run.group, topic)).toEqual(['-1']);
  });

  it('a drain that cannot finish within SLUICE_SHUTDOWN_TIMEOUT_MS exits 1 naming it and the batch it waited on', async () => {
    const topic = await createTopic(1);
    await produce(topic, [['a', 'b', 'c', 'a']]);
    const run = await startGated(topic, { SLUICE_SHUTDOWN_TIMEOUT_MS: '2000' });
    const batchId = await waitingBatch(run);
    run.cli.child.kill('SIGTERM');
    const result = await run.cli.done;
    expect(result.code).toBe(1);
    const [timedOut, ...more] = logged(
      result.stderr,
      'shutdown took longer than SLUICE_SHUTDOWN_TIMEOUT_MS: exiting before the drain finished',
    );
    expect(more).toEqual([]);
    expect(timedOut).toMatchObject({
      level: 50,
      timeoutMs: 2000,
      inFlight: { batchId, records: 4, step: 'writing outputs' },
    });
    expect(logged(result.stderr, 'sluice finished')).toEqual([]);
    expect(outputs(run)).toEqual([]);
    expect(await committedOffsets(kafka.admin, run.group, topic)).toEqual(['-1']);
  });

  it('SIGTERM drains in order: draining, fetching paused, the batch written, checkpoint, commit, group left, exit 0', async () => {
    const topic = await createTopic(2);
    const words = [
      ['p0-x', 'p0-y', 'p0-x', 'p0-x'],
      ['p1-x', 'p1-x', 'p1-z'],
    ];
    await produce(topic, words);
    const run = await startGated(topic, {
      SLUICE_CHECKPOINT_DIR: tempDir(),
      SLUICE_LOG_LEVEL: 'debug',
    });
    const batchId = await waitingBatch(run);
    run.cli.child.kill('SIGTERM');
    await waitForLines(run.cli, 'fetching paused: draining the batch in flight', 1);
    writeFileSync(run.gate, '');
    const result = await run.cli.done;
    expect(result.code).toBe(0);

    // What the drained batch wrote, per partition (each partition has its own words).
    const written = outputs(run);
    expect(written.map((line) => line.batchId)).toEqual([batchId]);
    const perPartition = [0, 1].map((p) =>
      written
        .flatMap((line) => line.counts)
        .filter(([word]) => word.startsWith(`p${p}-`))
        .reduce((sum, [, count]) => sum + count, 0),
    );
    // The first batch with records has partition 0's, partition 1's, or both (fetched together
    // or one after the other): what it took is written and committed, nothing more.
    expect(perPartition.reduce((a, b) => a + b)).toBeGreaterThan(0);
    for (const [p, count] of perPartition.entries()) expect([0, words[p]?.length]).toContain(count);
    const expected = perPartition.map((count) => (count === 0 ? '-1' : String(count)));
    expect(await committedOffsets(kafka.admin, run.group, topic)).toEqual(expected);

    const lines = logLines(result.stderr);
    const draining = indexOf(lines, DRAINING);
    const paused = indexOf(lines, 'fetching paused: draining the batch in flight', draining, {
      paused: [`${topic}-0`, `${topic}-1`],
    });
    const batchDone = indexOf(lines, 'batch done', paused, { batchId });
    const checkpoint = indexOf(lines, 'checkpoint written', batchDone, { batchId });
    const committed = indexOf(lines, 'offsets committed', checkpoint, {
      committed: expected.flatMap((offset, p) => (offset === '-1' ? [] : [`${topic}-${p}@${offset}`])),
    });
    const stopped = indexOf(lines, 'engine stopped', committed);
    const left = indexOf(lines, 'left the consumer group', stopped, { groupId: run.group });
    const finished = indexOf(lines, 'sluice finished', left);
    expect([draining, paused, batchDone, checkpoint, committed, stopped, left, finished]).toEqual(
      [draining, paused, batchDone, checkpoint, committed, stopped, left, finished].toSorted((a, b) => a - b),
    );
    // No batch started after the signal.
    expect(logged(result.stderr, 'batch done').filter((line) => Number(line.batchId) > batchId)).toEqual([]);
    const [group] = (await kafka.admin.describeGroups([run.group])).groups;
    expect(group?.members).toEqual([]);
  });
});

describe('sluice run: SLUICE_STALL_TIMEOUT_MS', () => {
  it('a batch whose output never returns: logs what it waited on, /readyz 503 with the reason, exit 1', async () => {
    const topic = await createTopic(1);
    await produce(topic, [Array.from({ length: 12 }, (_, i) => `w${i % 3}`)]);
    const run = await startGated(topic, {
      ...SHORT_RETRIES,
      SLUICE_STALL_TIMEOUT_MS: '3000',
      // Keeps the stalled process up, unready, long enough for the probe below.
      SLUICE_FAILURE_EXIT_DELAY_MS: '5000',
    });
    const batchId = await waitingBatch(run);
    const message = `no batch completed for 3000 ms (SLUICE_STALL_TIMEOUT_MS) while data was waiting: batch ${batchId} (12 records) is still in flight, writing outputs; 0 records are buffered in the source; exiting so that the process is restarted`;
    const unready = await poll(async () => {
      const answer = await httpGet(`${run.url}/readyz`);
      return answer?.status === 503 ? answer : undefined;
    }, '/readyz 503 once stalled');
    expect(JSON.parse(unready.body)).toEqual({ status: 'failed', reason: `SLUICE_STALLED: ${message}` });
    const result = await run.cli.done;
    expect(result.code).toBe(1);
    expect(failureLines(result.stderr)).toEqual([`SLUICE_STALLED: ${message}`]);
    const [stalled, ...more] = logged(result.stderr, message);
    expect(more).toEqual([]);
    expect(stalled).toMatchObject({
      level: 50,
      code: 'SLUICE_STALLED',
      timeoutMs: 3000,
      inFlight: { batchId, records: 12, step: 'writing outputs' },
      buffered: 0,
    });
    expect(Number(stalled?.waitedMs)).toBeGreaterThanOrEqual(3000);
    expect(outputs(run)).toEqual([]);
    expect(await committedOffsets(kafka.admin, run.group, topic)).toEqual(['-1']);
  });

  it('a signal while a stalled process waits out SLUICE_FAILURE_EXIT_DELAY_MS exits 1 at once, without a drain', async () => {
    const topic = await createTopic(1);
    await produce(topic, [['a', 'b']]);
    const run = await startGated(topic, {
      ...SHORT_RETRIES,
      SLUICE_STALL_TIMEOUT_MS: '3000',
      SLUICE_FAILURE_EXIT_DELAY_MS: '600000',
    });
    const batchId = await waitingBatch(run);
    await run.cli.waitFor(/^SLUICE_STALLED: /m);
    run.cli.child.kill('SIGTERM');
    const result = await run.cli.done;
    expect(result.code).toBe(1);
    expect(failureLines(result.stderr)).toEqual([
      `SLUICE_STALLED: no batch completed for 3000 ms (SLUICE_STALL_TIMEOUT_MS) while data was waiting: batch ${batchId} (2 records) is still in flight, writing outputs; 0 records are buffered in the source; exiting so that the process is restarted`,
    ]);
    expect(logged(result.stderr, 'signal while stalled: exiting now').map((line) => line.signal)).toEqual([
      'SIGTERM',
    ]);
    expect(logged(result.stderr, DRAINING)).toEqual([]);
    expect(await committedOffsets(kafka.admin, run.group, topic)).toEqual(['-1']);
  });

  it('an idle stream, nothing waiting, never stalls: still ready after batches spanning twice the timeout, then SIGTERM exits 0', async () => {
    const topic = await createTopic(1);
    const run = await startGated(topic, {
      ...SHORT_RETRIES,
      SLUICE_STALL_TIMEOUT_MS: '3000',
    });
    await poll(
      async () => ((await httpGet(`${run.url}/readyz`))?.status === 200 ? true : undefined),
      'ready',
    );
    type Batches = { batches: { time: number; records: { consumed: number } }[] };
    const batches = await poll(async () => {
      const { batches } = JSON.parse((await httpGet(`${run.url}/api/batches`))?.body ?? '{}') as Batches;
      const span = (batches[0]?.time ?? 0) - (batches.at(-1)?.time ?? 0);
      return span >= 6000 ? batches : undefined;
    }, 'batch times spanning twice the stall timeout');
    expect(batches.reduce((sum, batch) => sum + batch.records.consumed, 0)).toBe(0);
    expect(run.cli.child.exitCode).toBeNull();
    expect(await httpGet(`${run.url}/readyz`)).toEqual({ status: 200, body: '{"status":"ready"}\n' });
    run.cli.child.kill('SIGTERM');
    const result = await run.cli.done;
    expect(result.code).toBe(0);
    expect(result.stderr).not.toContain('SLUICE_STALL');
    expect(failureLines(result.stderr)).toEqual([]);
  });
});

/** A partition assigner by another name: a member using it shares no protocol with Sluice's. */
const otherAssigner: PartitionAssigner = () => ({
  name: 'OtherAssigner',
  version: 1,
  async assign({ members }) {
    return members.map(({ memberId }) => ({
      memberId,
      memberAssignment: AssignerProtocol.MemberAssignment.encode({
        version: 1,
        assignment: {},
        userData: Buffer.alloc(0),
      }),
    }));
  },
  protocol({ topics }) {
    return {
      name: 'OtherAssigner',
      metadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData: Buffer.alloc(0) }),
    };
  },
});

describe('sluice run: a consumer crash', () => {
  it('a non-retriable crash before the first assignment (a member of the group with another assigner) exits 1 naming the group', async () => {
    const topic = await createTopic(1);
    const group = uniqueName('lifecycle-crash');
    const other: Consumer = testKafka('lifecycle-other-member').consumer({
      groupId: group,
      partitionAssigners: [otherAssigner],
    });
    const joined = new Promise((resolve) => other.on(other.events.GROUP_JOIN, resolve));
    onTestFinished(() => other.disconnect());
    await other.connect();
    await other.subscribe({ topics: [topic] });
    await other.run({ eachMessage: async () => {} });
    await joined;
    const run = await startGated(topic, { SLUICE_GROUP_ID: group });
    const result = await run.cli.done;
    expect(result.code).toBe(1);
    expect(failureLines(result.stderr)).toEqual([
      `SLUICE_KAFKA: the Kafka consumer of group ${group} stopped: The group member's supported protocols are incompatible with those of existing members`,
    ]);
    expect(logged(result.stderr, 'partitions assigned')).toEqual([]);
  });
});
