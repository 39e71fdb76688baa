import { existsSync, readdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Enriched } from '../../fixtures/jobs/enrich-http.ts';
import { runCli, startCli } from '../../support/cli.ts';
import { startCollecting } from '../../support/collect.ts';
import { readJsonLines } from '../../support/files.ts';
import { poll } from '../../support/http.ts';
import {
  availableNowEnv,
  committedOffsets,
  sharedClients,
  testKafka,
  uniqueName,
} from '../../support/kafka.ts';
import { tempDirs } from '../../support/temp-dirs.ts';

// mapAsync in a real `sluice run` on a Kafka topic, calling a real HTTP server started here: the
// server sees at most `concurrency` calls of a partition at once, the output keeps each
// partition's order, a timeout and a failed call go by the policy, and the batch's offsets are
// committed only once its calls are done.

const JOB = fileURLToPath(new URL('../../fixtures/jobs/enrich-http.ts', import.meta.url));
const kafka = sharedClients('async-enrich-test');
const tempDir = tempDirs('sluice-async-enrich');

/**
 * The lookup service: answers a value in upper case after a delay that varies with the offset
 * (so calls settle out of order); `fail-*` values get a 500, `flaky-*` a 500 the first time,
 * `hang-*` no answer at all. While `hold()` is on, every request waits for `release()`.
 */
class LookupService {
  readonly #server: Server;
  readonly #inFlight = new Map<number, number>();
  /** The most calls of each partition the server had at once. */
  readonly most = new Map<number, number>();
  /** Every request's value, in arrival order. */
  readonly seen: string[] = [];
  #held: (() => void)[] | undefined;

  constructor() {
    this.#server = createServer((request, response) => this.#answer(request, response));
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise((resolve) => this.#server.close(resolve));
  }

  hold(): void {
    this.#held = [];
  }

  /** How many requests wait for `release()`. */
  get waiting(): number {
    return this.#held?.length ?? 0;
  }

  release(): void {
    const held = this.#held ?? [];
    this.#held = undefined;
    for (const go of held) go();
  }

  #answer(request: IncomingMessage, response: ServerResponse): void {
    const query = new URL(request.url ?? '/', 'http://x').searchParams;
    const partition = Number(query.get('partition'));
    const offset = Number(query.get('offset'));
    const value = query.get('value') ?? '';
    const flakyBefore = this.seen.includes(value);
    this.seen.push(value);
    const now = (this.#inFlight.get(partition) ?? 0) + 1;
    this.#inFlight.set(partition, now);
    this.most.set(partition, Math.max(this.most.get(partition) ?? 0, now));
    let open = true;
    const done = (): void => {
      if (!open) return;
      open = false;
      this.#inFlight.set(partition, (this.#inFlight.get(partition) ?? 1) - 1);
    };
    response.on('close', done);
    const reply = (): void => {
      if (value.startsWith('hang-')) return;
      const failed = value.startsWith('fail-') || (value.startsWith('flaky-') && !flakyBefore);
      setTimeout(
        () => {
          response.statusCode = failed ? 500 : 200;
          response.end(failed ? 'no' : value.toUpperCase());
        },
        (offset * 7) % 13,
      );
    };
    if (this.#held) this.#held.push(reply);
    else reply();
  }
}

const service = new LookupService();
let url = '';

beforeAll(async () => {
  url = await service.start();
});

afterAll(async () => {
  await service.close();
});

/** A topic of `partitions` partitions holding `values(p)` in partition p, in order. */
async function topicOf(partitions: number, values: (partition: number) => string[]): Promise<string> {
  const topic = uniqueName('enrich');
  await kafka.admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
  for (let partition = 0; partition < partitions; partition++) {
    await kafka.producer.send({
      topic,
      messages: values(partition).map((value) => ({ partition, value })),
    });
  }
  return topic;
}

function runEnv(topic: string, groupId: string, dir: string, extra: Record<string, string> = {}) {
  return {
    ...availableNowEnv(topic, groupId),
    SLUICE_VALUE_FORMAT: 'string',
    SLUICE_LOG_LEVEL: 'warn',
    ENRICH_URL: url,
    ENRICH_DIR: dir,
    ...extra,
  };
}

/** The enriched records of partition `partition`, as files and lines hold them. */
function written(dir: string, partition: number): Enriched[] {
  return readJsonLines<Enriched>(dir).filter((row) => row.partition === partition);
}

describe('mapAsync against an HTTP service', () => {
  it('has at most `concurrency` calls of a partition at the server and keeps each partition’s order', async () => {
    const values = (p: number) => Array.from({ length: 120 }, (_, n) => `v${p}-${n}`);
    const topic = await topicOf(2, values);
    const groupId = uniqueName('enrich-order');
    const dir = tempDir();
    service.most.clear();
    const env = { ENRICH_CONCURRENCY: '4', SLUICE_WORKERS: '2', SLUICE_MAX_RECORDS_PER_BATCH: '50' };
    const result = await runCli(['run', JOB], runEnv(topic, groupId, dir, env));
    expect(result.code, result.stderr).toBe(0);
    for (const partition of [0, 1]) {
      expect(written(dir, partition)).toEqual(
        values(partition).map((value, offset) => ({ partition, offset, value, answer: value.toUpperCase() })),
      );
    }
    expect(Object.fromEntries(service.most)).toEqual({ 0: 4, 1: 4 });
    expect(await committedOffsets(kafka.admin, groupId, topic)).toEqual(['120', '120']);
  }, 120_000);

  it("under 'dlq': a call timed out and one that failed, retried, go to the dead-letter topic with their origin; a flaky one succeeds", async () => {
    const values = ['v0', 'v1', 'v2', 'fail-3', 'v4', 'flaky-5', 'v6', 'hang-7', 'v8', 'v9'];
    const topic = await topicOf(1, () => values);
    const dlq = uniqueName('enrich-dlq');
    await kafka.admin.createTopics({ topics: [{ topic: dlq, numPartitions: 1 }], waitForLeaders: true });
    const groupId = uniqueName('enrich-dlq');
    const dir = tempDir();
    const env = {
      ENRICH_ON_ERROR: 'dlq',
      ENRICH_TIMEOUT_MS: '300',
      ENRICH_ATTEMPTS: '2',
      SLUICE_DLQ_TOPIC: dlq,
    };
    const result = await runCli(['run', JOB], runEnv(topic, groupId, dir, env));
    expect(result.code, result.stderr).toBe(0);
    expect(written(dir, 0).map((row) => [row.offset, row.answer])).toEqual([
      [0, 'V0'],
      [1, 'V1'],
      [2, 'V2'],
      [4, 'V4'],
      [5, 'FLAKY-5'],
      [6, 'V6'],
      [8, 'V8'],
      [9, 'V9'],
    ]);
    for (const value of ['fail-3', 'flaky-5', 'hang-7']) {
      expect(service.seen.filter((seen) => seen === value)).toHaveLength(2);
    }
    expect(await committedOffsets(kafka.admin, groupId, topic)).toEqual(['10']);

    const consumer = testKafka('enrich-dlq-reader').consumer({ groupId: uniqueName('enrich-dlq-reader') });
    await consumer.connect();
    await consumer.subscribe({ topic: dlq, fromBeginning: true });
    const inbox = await startCollecting(consumer);
    const letters = await inbox.waitFor(2, 60_000);
    await consumer.disconnect();
    const header = (headers: unknown, name: string): string =>
      String((headers as Record<string, Buffer | undefined>)[name] ?? '');
    expect(
      letters.map(({ message }) => ({
        value: message.value?.toString(),
        topic: header(message.headers, 'sluice.origin.topic'),
        partition: header(message.headers, 'sluice.origin.partition'),
        offset: header(message.headers, 'sluice.origin.offset'),
        error: header(message.headers, 'sluice.error'),
      })),
    ).toEqual([
      {
        value: 'fail-3',
        topic,
        partition: '0',
        offset: '3',
        error: 'mapAsync (node 1) failed after 2 attempts: HTTP 500 for fail-3',
      },
      {
        value: 'hang-7',
        topic,
        partition: '0',
        offset: '7',
        error: 'mapAsync (node 1) failed after 2 attempts: no result within 300 ms (timeoutMs)',
      },
    ]);
  }, 120_000);

  it("under 'fail': exits 1 naming the record, the error and the job's line, and commits nothing", async () => {
    const topic = await topicOf(1, () => ['v0', 'v1', 'fail-2', 'v3', 'v4']);
    const groupId = uniqueName('enrich-fail');
    const dir = tempDir();
    const result = await runCli(['run', JOB], runEnv(topic, groupId, dir));
    expect(result.code).toBe(1);
    // The one line a failed run prints (SLUICE_LOG_LEVEL=warn: no log line before it).
    expect(result.stderr).toMatch(
      new RegExp(
        `^SLUICE_USER_FUNCTION: mapAsync \\(node 1\\) failed: HTTP 500 for fail-2 \\(at topic ${topic}, partition 0, offset 2; thrown at ${JOB}:\\d+:\\d+\\)\n$`,
      ),
    );
    expect(await committedOffsets(kafka.admin, groupId, topic)).toEqual(['-1']);
    expect(existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith('.jsonl')) : []).toEqual([]);
  }, 120_000);

  it('commits the batch only once its calls are done: the offset does not move while the server holds them', async () => {
    const values = Array.from({ length: 10 }, (_, n) => `held-${n}`);
    const topic = await topicOf(1, () => values);
    const groupId = uniqueName('enrich-held');
    const dir = tempDir();
    service.hold();
    const cli = startCli(['run', JOB], runEnv(topic, groupId, dir, { ENRICH_CONCURRENCY: '4' }));
    try {
      await poll(async () => (service.waiting === 4 ? true : undefined), 'four held calls', 60_000);
      // Several batch intervals: nothing is committed or written while the calls are held.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      expect(service.waiting).toBe(4);
      expect(await committedOffsets(kafka.admin, groupId, topic)).toEqual(['-1']);
      expect(readJsonLines(dir)).toEqual([]);
    } finally {
      service.release();
    }
    const result = await cli.done;
    expect(result.code, result.stderr).toBe(0);
    expect(await committedOffsets(kafka.admin, groupId, topic)).toEqual(['10']);
    expect(written(dir, 0).map((row) => row.answer)).toEqual(values.map((value) => value.toUpperCase()));
  }, 120_000);
});
