import { copyFileSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type RunningCli, runCli, startCli, waitForLines, waitForLog } from '../support/cli.ts';
import { readJsonLines } from '../support/files.ts';
import { committedOffsets, sharedClients, testBrokers, uniqueName } from '../support/kafka.ts';
import { batchesSinceCheckpoint, finishedSummary, type LogLine, logged, readPast } from '../support/logs.ts';
import { random } from '../support/random.ts';
import { tempDirs } from '../support/temp-dirs.ts';
import {
  lastValues,
  sortRows,
  type TimedKey,
  type WindowRow,
  windowCounts,
  wrongValues,
} from '../support/window-oracle.ts';

const kafka = sharedClients('checkpoints-test');
const tempDir = tempDirs('sluice-checkpoints');

const BASE = Date.UTC(2025, 0, 1);
const PARTITIONS = 3;
const PER_PARTITION = 1_000;
const TOTAL = PARTITIONS * PER_PARTITION;
const STEP_MS = 100;
const JITTER_MS = 1_500;
const WINDOW_MS = 4_000;
const SLIDE_MS = 2_000;
const KEYS = ['u0', 'u1', 'u2', 'u3', 'u4'] as const;
/** Ten records a partition a batch: a full run takes 100 batches, and a window fires every two. */
const MAX_RECORDS = 10;

type Produced = TimedKey & { readonly partition: number };

/**
 * Each partition ends with a record far ahead in event time: it moves the watermark past every
 * window of the others, so the last run's closing batch fires them all. Its own windows stay open
 * in the checkpoint (with checkpoints, the end of an available-now run does not close windows).
 */
const CLOSING = 'closing';

/**
 * A record lies less than JITTER_MS behind its partition's nominal clock, which runs ahead by
 * STEP_MS a record: with that allowed lateness no record is late however the batches are cut.
 */
function events(seed: number): Produced[] {
  const next = random(seed);
  const records: Produced[] = [];
  for (let partition = 0; partition < PARTITIONS; partition++) {
    for (let i = 0; i < PER_PARTITION - 1; i++) {
      const nominal = BASE + partition * 700 + i * STEP_MS;
      const key = KEYS[Math.floor(next() * KEYS.length)] as string;
      records.push({ partition, key, time: nominal - Math.floor(next() * JITTER_MS) });
    }
    records.push({ partition, key: CLOSING, time: BASE + 1000 * PER_PARTITION * STEP_MS });
  }
  return records;
}

/** A topic holding `events(seed)`, each record in its partition. */
async function topicWith(seed: number): Promise<{ topic: string; oracle: WindowRow[] }> {
  const topic = uniqueName('clicks');
  await kafka.admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
  const records = events(seed);
  await kafka.producer.send({
    topic,
    acks: -1,
    messages: records.map((record) => ({
      partition: record.partition,
      value: JSON.stringify({ user: record.key, at: record.time }),
    })),
  });
  const counted = records.filter((record) => record.key !== CLOSING);
  return { topic, oracle: windowCounts(counted, WINDOW_MS, SLIDE_MS) };
}

type Job = { readonly topic: string; readonly group: string; readonly checkpoints: string };

function job(topic: string): Job {
  return { topic, group: uniqueName('ckpt'), checkpoints: tempDir() };
}

function runEnv(
  { topic, group, checkpoints }: Job,
  sink: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    SLUICE_BROKERS: testBrokers().join(','),
    SLUICE_TOPICS: topic,
    SLUICE_GROUP_ID: group,
    SLUICE_TRIGGER: 'micro-batch',
    SLUICE_BATCH_INTERVAL_MS: '50',
    SLUICE_WORKERS: '2',
    SLUICE_KEY_FIELD: 'user',
    SLUICE_AGG: 'count',
    SLUICE_TIME: 'event',
    SLUICE_TIMESTAMP_FIELD: 'at',
    SLUICE_WINDOW_MS: String(WINDOW_MS),
    SLUICE_SLIDE_MS: String(SLIDE_MS),
    SLUICE_ALLOWED_LATENESS_MS: String(JITTER_MS),
    // A partition whose fetch lags must hold the watermark back, or its records could be late.
    SLUICE_IDLE_TIMEOUT_MS: '600000',
    SLUICE_MAX_RECORDS_PER_BATCH: String(MAX_RECORDS),
    SLUICE_CHECKPOINT_DIR: checkpoints,
    SLUICE_CHECKPOINT_INTERVAL_MS: '200',
    // A member killed with -9 holds its partitions until this expires: the restart waits for it.
    SLUICE_SESSION_TIMEOUT_MS: '6000',
    SLUICE_SINK: `file:${sink}`,
    SLUICE_LOG_LEVEL: 'debug',
    ...extra,
  };
}

const availableNow = { SLUICE_TRIGGER: 'available-now' };

/** Per partition, the offset each 'state restored from checkpoint' line names. */
function restoredOffsets(stderr: string): Record<number, string> {
  return Object.fromEntries(
    logged(stderr, 'state restored from checkpoint').map((line) => [line.partition, line.offset]),
  );
}

const committed = (group: string, topic: string): Promise<string[]> =>
  committedOffsets(kafka.admin, group, topic);

function checkpointPath({ checkpoints, group, topic }: Job, partition: number): string {
  return join(checkpoints, group, `${topic}-${partition}.ckpt`);
}

const sum = (offsets: readonly string[]): number =>
  offsets.reduce((total, offset) => total + Number(offset), 0);

/**
 * A micro-batch run stopped by SIGTERM once it has run `batches` batches, read every partition
 * past the offset `past` gives it (by default: read each) and emitted a window into `sink`; the
 * group's committed offsets then.
 */
async function stopAfter(
  at: Job,
  sink: string,
  batches: number,
  extra: Record<string, string> = {},
  past: readonly string[] = Array(PARTITIONS).fill('-1'),
): Promise<string[]> {
  const cli = startCli(['run'], runEnv(at, sink, extra));
  let done = 0;
  let readAll = false;
  const read = readPast(at.topic, past);
  await waitForLog(
    cli,
    `${batches} batches, every partition read past ${past} and a window emitted`,
    (line) => {
      if (line.msg !== 'batch done') return false;
      done++;
      readAll ||= read(line);
      return done >= batches && readAll && readJsonLines(sink).length > 0;
    },
  );
  cli.child.kill('SIGTERM');
  expect((await cli.done).code).toBe(0);
  return committed(at.group, at.topic);
}

/**
 * Two runs stopped by SIGTERM that checkpoint only as they stop: each partition's current file is
 * the second run's save, its `.prev` the first's, and windows fired between the two.
 */
async function stopTwice(at: Job): Promise<{ sinks: [string, string]; offsets: [string[], string[]] }> {
  const rare = { SLUICE_CHECKPOINT_INTERVAL_MS: '600000' };
  const sinks: [string, string] = [tempDir(), tempDir()];
  const first = await stopAfter(at, sinks[0], 20, rare);
  const second = await stopAfter(at, sinks[1], 25, rare, first);
  for (let partition = 0; partition < PARTITIONS; partition++) {
    expect(Number(second[partition])).toBeGreaterThan(Number(first[partition]));
  }
  expect(readJsonLines<WindowRow>(sinks[1]).length).toBeGreaterThan(0);
  return { sinks, offsets: [first, second] };
}

/** The window results of `stopTwice`'s two runs and of the run after them. */
function threeRuns(sinks: readonly [string, string], last: string): [WindowRow[], WindowRow[], WindowRow[]] {
  const [first, second] = sinks;
  return [readJsonLines<WindowRow>(first), readJsonLines<WindowRow>(second), readJsonLines<WindowRow>(last)];
}

/** Flips a byte of the LZ4 body: the file keeps its header, and its checksum no longer matches. */
function flipByte(path: string): void {
  const bytes = readFileSync(path);
  const at = bytes.length - 10;
  bytes[at] = (bytes[at] as number) ^ 0xff;
  writeFileSync(path, bytes);
}

/** Deletes the group's checkpoint changelog topic and waits until the broker no longer lists it. */
async function deleteChangelog(group: string): Promise<void> {
  const topic = `${group}-checkpoints`;
  await kafka.admin.deleteTopics({ topics: [topic] });
  for (let attempt = 1; (await kafka.admin.listTopics()).includes(topic); attempt++) {
    if (attempt >= 100) throw new Error(`topic ${topic} is still listed after its deletion`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Kills in the kill -9 test: 11, or more with SLUICE_TEST_KILLS (the long version). */
const KILLS = Math.max(11, Number(process.env.SLUICE_TEST_KILLS ?? 11));

/** Seeded kill points beyond the eleven chosen ones: after 1–15 batches plus 0–150 ms. */
function extraKills(count: number): [number, number][] {
  const next = random(99);
  return Array.from({ length: Math.max(0, count) }, () => [
    1 + Math.floor(next() * 15),
    Math.floor(next() * 151),
  ]);
}

const LATER_SAVE = "checkpoint of a later save than another partition's; restored the previous one";
const FROM_CHANGELOG = "no usable local checkpoint; restoring the changelog topic's";

describe('checkpoints of event-time windows, across real sluice processes', () => {
  it('a SIGTERM in the middle of a run checkpoints last: the next run resumes there, nothing is emitted twice', async () => {
    const { topic, oracle } = await topicWith(1);
    const at = job(topic);
    const [first, second] = [tempDir(), tempDir()];
    const stopped = await stopAfter(at, first, 30);
    for (const offset of stopped) {
      expect(Number(offset)).toBeGreaterThan(0);
      expect(Number(offset)).toBeLessThan(PER_PARTITION);
    }

    const resumed = await runCli(['run'], runEnv(at, second, availableNow));
    expect(resumed.code).toBe(0);
    expect(logged(resumed.stderr, 'state restored from checkpoint')).toHaveLength(PARTITIONS);
    expect(restoredOffsets(resumed.stderr)).toEqual({ ...stopped });
    expect(finishedSummary(resumed.stderr)).toEqual({
      records: TOTAL - sum(stopped),
      decodeErrors: 0,
      late: 0,
    });

    const before = readJsonLines<WindowRow>(first);
    const after = readJsonLines<WindowRow>(second);
    expect(before.length).toBeGreaterThan(0);
    expect(after.length).toBeGreaterThan(0);
    expect(sortRows([...before, ...after])).toEqual(oracle);
    expect(await committed(at.group, topic)).toEqual(Array(PARTITIONS).fill(String(PER_PARTITION)));
  });

  it(
    `kill -9 at ${KILLS} points, each followed by a restart: every window ends at its oracle value, none lost`,
    async () => {
      const { topic, oracle } = await topicWith(2);
      const at = job(topic);
      // Wait for this many 'batch done' lines (-1: for the assignment), then this many ms, then kill.
      const kills: readonly (readonly [batches: number, ms: number])[] = [
        [-1, 0],
        [1, 0],
        [4, 0],
        [2, 15],
        [7, 0],
        [5, 40],
        [9, 0],
        [3, 90],
        [12, 0],
        [6, 130],
        [10, 5],
        // The long version: SLUICE_TEST_KILLS=50 npx vitest run --project integration test/state
        ...extraKills(KILLS - 11),
      ];
      const sinks: string[] = [];
      const stderrs: string[] = [];
      let cutShort = 0;
      for (const [batches, ms] of kills) {
        const sink = tempDir();
        sinks.push(sink);
        const cli = startCli(['run'], runEnv(at, sink));
        if (batches < 0) await waitForLines(cli, 'partitions assigned', 1);
        else await waitForLines(cli, 'batch done', batches);
        await new Promise((resolve) => setTimeout(resolve, ms));
        cli.child.kill('SIGKILL');
        const result = await cli.done;
        expect(result.code).toBe(null);
        stderrs.push(result.stderr);
        if (logged(result.stderr, LATER_SAVE).length > 0) cutShort++;
      }
      const sink = tempDir();
      sinks.push(sink);
      const last = await runCli(['run'], runEnv(at, sink, availableNow));
      expect(last.code).toBe(0);
      stderrs.push(last.stderr);
      if (logged(last.stderr, LATER_SAVE).length > 0) cutShort++;
      const restored = Object.values(restoredOffsets(last.stderr)).map(String);
      expect(finishedSummary(last.stderr)).toEqual({
        records: TOTAL - sum(restored),
        decodeErrors: 0,
        late: 0,
      });
      for (const stderr of stderrs) {
        expect(logged(stderr, 'late records: older than the watermark')).toEqual([]);
      }

      const rows = sinks.flatMap((dir) => readJsonLines<WindowRow>(dir));
      expect(wrongValues(rows, oracle)).toEqual([]);
      expect(lastValues(rows)).toEqual(oracle);
      console.info(
        `kill -9: ${rows.length} emissions of ${oracle.length} windows, ${rows.length - oracle.length} re-emitted after a replay; ${cutShort} restarts found a save cut short`,
      );
      expect(await committed(at.group, topic)).toEqual(Array(PARTITIONS).fill(String(PER_PARTITION)));
    },
    150_000 + Math.max(0, KILLS - 11) * 10_000,
  );

  it("a corrupt current checkpoint of one partition: the changelog topic's copy is restored, and the results equal the oracle", async () => {
    const { topic, oracle } = await topicWith(3);
    const at = job(topic);
    const { sinks, offsets } = await stopTwice(at);
    const path = checkpointPath(at, 1);
    flipByte(path);

    const sink = tempDir();
    const result = await runCli(['run'], runEnv(at, sink, availableNow));
    expect(result.code).toBe(0);
    expect(
      logged(result.stderr, FROM_CHANGELOG).map(({ partition, problems }) => ({ partition, problems })),
    ).toEqual([{ partition: 1, problems: [`checkpoint ${path} is corrupt: its checksum does not match`] }]);
    expect(logged(result.stderr, 'checkpoint unusable; restored the previous one')).toEqual([]);
    expect(restoredOffsets(result.stderr)).toEqual({ ...offsets[1] });
    expect(finishedSummary(result.stderr)).toEqual({
      records: TOTAL - sum(offsets[1]),
      decodeErrors: 0,
      late: 0,
    });
    expect(sortRows([...sinks, sink].flatMap((dir) => readJsonLines<WindowRow>(dir)))).toEqual(oracle);
  });

  it('a corrupt current checkpoint and no changelog record: every partition restores its previous checkpoint, and the results equal the oracle', async () => {
    const { topic, oracle } = await topicWith(4);
    const at = job(topic);
    const { sinks, offsets } = await stopTwice(at);
    const path = checkpointPath(at, 1);
    flipByte(path);
    await deleteChangelog(at.group);

    const sink = tempDir();
    const result = await runCli(['run'], runEnv(at, sink, availableNow));
    expect(result.code).toBe(0);
    expect(
      logged(result.stderr, 'checkpoint unusable; restored the previous one').map(
        ({ partition, path: file, problems }) => ({ partition, path: file, problems }),
      ),
    ).toEqual([
      { partition: 1, path, problems: [`checkpoint ${path} is corrupt: its checksum does not match`] },
    ]);
    // The other partitions' current checkpoints are of the second run's save, which partition 1 lost.
    expect(
      logged(result.stderr, LATER_SAVE)
        .map(({ partition }) => partition)
        .sort(),
    ).toEqual([0, 2]);
    expect(restoredOffsets(result.stderr)).toEqual({ ...offsets[0] });
    expect(finishedSummary(result.stderr)).toEqual({
      records: TOTAL - sum(offsets[0]),
      decodeErrors: 0,
      late: 0,
    });
    const [first, second, last] = threeRuns(sinks, sink);
    // Back to the state after the first run: what the second emitted is emitted again, the same.
    expect(sortRows([...first, ...last])).toEqual(oracle);
    expect(wrongValues(second, oracle)).toEqual([]);
    expect(lastValues([...first, ...second, ...last])).toEqual(oracle);
  });

  // Regression: a kill during a save, after partition 0's checkpoint and before the others', left
  // partition 0 restored a save ahead, with that save's watermark: the others' replayed records
  // were late (lost), and the windows they fired again carried their counts alone.
  it('a save cut short after one partition: every partition restores the last save they share', async () => {
    const { topic, oracle } = await topicWith(5);
    const at = job(topic);
    const { sinks, offsets } = await stopTwice(at);
    // The files as a kill during the second run's last save leaves them: partitions 1 and 2 not yet written.
    // Each partition's changelog record follows its file, so the changelog holds the first run's
    // save alone for them (a tombstone first hides the second run's, which the reader keeps as
    // the save before the last).
    for (const partition of [1, 2]) {
      const path = checkpointPath(at, partition);
      copyFileSync(`${path}.prev`, path);
      const key = `${topic}-${partition}`;
      await kafka.producer.send({
        topic: `${at.group}-checkpoints`,
        acks: -1,
        messages: [
          { key, value: null },
          { key, value: readFileSync(path) },
        ],
      });
    }
    // Nor committed: offsets are committed after a whole save. (Left at the second run's, they
    // say another instance went on from there, and the changelog's newer copies are restored.)
    await kafka.admin.setOffsets({
      groupId: at.group,
      topic,
      partitions: offsets[0].map((offset, partition) => ({ partition, offset })),
    });

    const sink = tempDir();
    const result = await runCli(['run'], runEnv(at, sink, availableNow));
    expect(result.code).toBe(0);
    expect(logged(result.stderr, LATER_SAVE).map(({ partition }) => partition)).toEqual([0]);
    expect(restoredOffsets(result.stderr)).toEqual({ ...offsets[0] });
    expect(finishedSummary(result.stderr)).toEqual({
      records: TOTAL - sum(offsets[0]),
      decodeErrors: 0,
      late: 0,
    });
    const [first, second, last] = threeRuns(sinks, sink);
    expect(sortRows([...first, ...last])).toEqual(oracle);
    expect(wrongValues(second, oracle)).toEqual([]);
  });

  it("without the checkpoint folder, every partition restores the changelog topic's checkpoint", async () => {
    const { topic, oracle } = await topicWith(6);
    const at = job(topic);
    const [first, second] = [tempDir(), tempDir()];
    const stopped = await stopAfter(at, first, 30);

    rmSync(at.checkpoints, { recursive: true, force: true });
    const result = await runCli(['run'], runEnv(at, second, availableNow));
    expect(result.code).toBe(0);
    expect(
      logged(result.stderr, FROM_CHANGELOG)
        .map(({ partition, problems }) => ({ partition, problems }))
        .sort((a, b) => Number(a.partition) - Number(b.partition)),
    ).toEqual(stopped.map((_, partition) => ({ partition, problems: [] })));
    expect(restoredOffsets(result.stderr)).toEqual({ ...stopped });
    expect(finishedSummary(result.stderr)).toEqual({
      records: TOTAL - sum(stopped),
      decodeErrors: 0,
      late: 0,
    });
    expect(sortRows([first, second].flatMap((dir) => readJsonLines<WindowRow>(dir)))).toEqual(oracle);
  });

  it('without the checkpoint folder and the changelog topic, a group with committed offsets rebuilds every partition from the log start', async () => {
    const { topic, oracle } = await topicWith(7);
    const at = job(topic);
    const [first, second] = [tempDir(), tempDir()];
    const stopped = await stopAfter(at, first, 30);

    rmSync(at.checkpoints, { recursive: true, force: true });
    await deleteChangelog(at.group);
    const result = await runCli(['run'], runEnv(at, second, availableNow));
    expect(result.code).toBe(0);
    expect(
      logged(
        result.stderr,
        'no checkpoint for a partition the group has read: rebuilding its state from the start of the log',
      )
        .map(({ partition, committed: offset, problems }) => ({ partition, committed: offset, problems }))
        .sort((a, b) => Number(a.partition) - Number(b.partition)),
    ).toEqual(stopped.map((offset, partition) => ({ partition, committed: offset, problems: [] })));
    expect(logged(result.stderr, 'state restored from checkpoint')).toEqual([]);
    expect(finishedSummary(result.stderr)).toEqual({ records: TOTAL, decodeErrors: 0, late: 0 });

    const before = readJsonLines<WindowRow>(first);
    const after = readJsonLines<WindowRow>(second);
    expect(before.length).toBeGreaterThan(0);
    expect(wrongValues(before, oracle)).toEqual([]);
    // Rebuilt from the start, the second run emits every window again, with its final value.
    expect(sortRows(after)).toEqual(oracle);
    expect(lastValues([...before, ...after])).toEqual(oracle);
  });

  it('a checkpoint folder below a regular file: exit 1 with SLUICE_CHECKPOINT, nothing committed', async () => {
    const { topic } = await topicWith(8);
    const file = join(tempDir(), 'not-a-folder');
    writeFileSync(file, 'x');
    const at: Job = { topic, group: uniqueName('ckpt'), checkpoints: join(file, 'checkpoints') };

    const result = await runCli(
      ['run'],
      runEnv(at, tempDir(), { ...availableNow, SLUICE_LOG_LEVEL: 'info' }),
    );
    expect(result.code).toBe(1);
    const folder = join(at.checkpoints, at.group);
    const failures = result.stderr.split('\n').filter((line) => line.startsWith('SLUICE_CHECKPOINT'));
    expect(failures).toHaveLength(1);
    // The first write is the batch log's, before the first batch runs.
    expect(failures[0]).toBe(
      `SLUICE_CHECKPOINT: cannot append to the batch log ${folder}/batches.log: ENOTDIR: not a directory, mkdir '${folder}'`,
    );
    expect(logged(result.stderr, 'sluice finished')).toEqual([]);
    expect(await committed(at.group, topic)).toEqual(Array(PARTITIONS).fill('-1'));
  });

  it('two available-now runs with records arriving between them: open windows wait in the checkpoint, none is lost or split', async () => {
    const topic = uniqueName('clicks');
    await kafka.admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
    const records = events(7);
    const send = (part: readonly Produced[]) =>
      kafka.producer.send({
        topic,
        acks: -1,
        messages: part.map((record) => ({
          partition: record.partition,
          value: JSON.stringify({ user: record.key, at: record.time }),
        })),
      });
    // The first half of every partition, then the rest (with the closing records).
    const firstHalf = (_record: Produced, index: number) => index % PER_PARTITION < PER_PARTITION / 2;
    await send(records.filter(firstHalf));
    const at = job(topic);
    const [first, second] = [tempDir(), tempDir()];
    const one = await runCli(['run'], runEnv(at, first, availableNow));
    expect(one.code).toBe(0);
    expect(finishedSummary(one.stderr)).toEqual({ records: TOTAL / 2, decodeErrors: 0, late: 0 });
    await send(records.filter((record, index) => !firstHalf(record, index)));
    const two = await runCli(['run'], runEnv(at, second, availableNow));
    expect(two.code).toBe(0);
    expect(finishedSummary(two.stderr)).toEqual({ records: TOTAL / 2, decodeErrors: 0, late: 0 });
    const oracle = windowCounts(
      records.filter((record) => record.key !== CLOSING),
      WINDOW_MS,
      SLIDE_MS,
    );
    // Each window once, with its whole count: the first run left the open ones to the second.
    expect(sortRows([...readJsonLines<WindowRow>(first), ...readJsonLines<WindowRow>(second)])).toEqual(
      oracle,
    );
  });

  it('kill -9 with the file sink in one folder: replayed batches rewrite their own files, so every window is there exactly once', async () => {
    const { topic, oracle } = await topicWith(8);
    const at = job(topic);
    const sink = tempDir();
    const killed = async (cli: RunningCli): Promise<string> => {
      cli.child.kill('SIGKILL');
      const result = await cli.done;
      expect(result.code).toBe(null);
      return result.stderr;
    };
    const replays = (stderr: string): number[] =>
      logged(stderr, 'logged batches replayed').map((line) => Number(line.batches));
    // The first run is killed after a checkpoint of every partition, which the second restores.
    const first = startCli(['run'], runEnv(at, sink));
    await waitForLines(first, 'batch done', 3);
    await waitForLog(
      first,
      'a checkpoint of every partition',
      (line) => line.msg === 'checkpoint written' && line.partitions === PARTITIONS,
    );
    const stderrs = [await killed(first)];
    // The second checkpoints only after its replay: the batches it runs next are in its batch log
    // and in no checkpoint when it is killed, so the third replays every one of them.
    const second = startCli(['run'], runEnv(at, sink, { SLUICE_CHECKPOINT_INTERVAL_MS: '600000' }));
    const unsaved = batchesSinceCheckpoint(5);
    await waitForLog(second, '5 batches after its last checkpoint', unsaved.reached);
    stderrs.push(await killed(second));
    const third = startCli(['run'], runEnv(at, sink));
    await waitForLines(third, 'logged batches replayed', 1);
    await waitForLines(third, 'batch done', 14);
    stderrs.push(await killed(third));
    expect(replays(stderrs[2] as string)).toEqual([expect.any(Number)]);
    expect(replays(stderrs[2] as string)[0]).toBeGreaterThanOrEqual(unsaved.ids.length);
    // And one killed anywhere.
    const fourth = startCli(['run'], runEnv(at, sink));
    await waitForLines(fourth, 'batch done', 6);
    stderrs.push(await killed(fourth));
    const last = await runCli(['run'], runEnv(at, sink, availableNow));
    expect(last.code).toBe(0);
    for (const stderr of [...stderrs, last.stderr]) {
      expect(
        logged(stderr, 'a logged batch cannot be replayed as it was; going on with new batches'),
      ).toEqual([]);
    }
    expect(sortRows(readJsonLines<WindowRow>(sink))).toEqual(oracle);
    // A kill in the middle of a write left a temp file; the next run removed it.
    expect(readdirSync(sink).filter((name) => !/^batch-\d+-\d{6}\.jsonl$/.test(name))).toEqual([]);
  }, 120_000);
});
