import { describe, expect, it } from 'vitest';
import { AdminState, type BatchDetail } from '../../src/admin/index.ts';
import type { JobSummary } from '../../src/app/index.ts';
import { loadConfig } from '../../src/config/index.ts';
import { toOffset } from '../../src/core/index.ts';
import { ErrorCode, SluiceError } from '../../src/errors/index.ts';
import { rawRequest } from '../support/http.ts';
import { adminServers } from './serve.ts';
import { batchStats } from './stats.ts';

const serve = adminServers();

async function get(url: string) {
  const response = await fetch(url);
  return { status: response.status, body: JSON.parse(await response.text()) };
}

const JOB: JobSummary = {
  name: 'words.ts',
  builtIn: false,
  path: '/jobs/words.ts',
  settings: {},
  topics: 'clicks',
  operators: [
    { id: 0, kind: 'source', detail: 'SLUICE_TOPICS clicks', parents: [], thread: 'slot' },
    { id: 1, kind: 'reduceByKey', detail: '', parents: [0], thread: 'main' },
    { id: 2, kind: 'output', detail: 'print', parents: [1], thread: 'main' },
  ],
};

const PROFILED = {
  partitions: [
    {
      topic: 'clicks',
      partition: 0,
      records: 10,
      late: 2,
      decodeErrors: 1,
      slotMs: 1.5,
      windowEntries: [[1, 4]] as const,
    },
    {
      topic: 'clicks',
      partition: 1,
      records: 4,
      late: 0,
      decodeErrors: 0,
      slotMs: 0.5,
      windowEntries: [[1, 3]] as const,
    },
  ],
  operators: [
    { node: 0, out: 14 },
    { node: 1, out: 3, ms: 0.75 },
    { node: 2, out: 3, ms: 0.25 },
  ],
  outputs: [{ node: 2, sink: 'print', records: 3, ms: 0.25, attempts: 2 }],
  keyedPartitions: [
    [0, 5],
    [1, 7],
  ] as const,
};

describe('/api/batch?id=', () => {
  it("answers a batch's drill-down: partitions, operators, outputs with their attempts, keyed state", async () => {
    const admin = new AdminState();
    admin.observeBatch(batchStats(0));
    admin.observeBatch(batchStats(1, PROFILED));
    const url = await serve(admin);
    const { status, body } = await get(`${url}/api/batch?id=1`);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      batchId: 1,
      offsetRanges: [
        { topic: 'clicks', partition: 0, fromOffset: '10', untilOffset: '20' },
        { topic: 'clicks', partition: 1, fromOffset: '5', untilOffset: '10' },
      ],
      partitions: PROFILED.partitions,
      operators: PROFILED.operators,
      outputs: PROFILED.outputs,
      keyedPartitions: PROFILED.keyedPartitions,
    } satisfies Partial<BatchDetail>);
    // A batch without profiles: empty lists, null keyed state.
    expect((await get(`${url}/api/batch?id=0`)).body).toMatchObject({
      partitions: [],
      operators: [],
      outputs: [],
      keyedPartitions: null,
    });
    // The list stays slim: no drill-down in /api/batches.
    const [newest] = (await get(`${url}/api/batches`)).body.batches;
    expect(Object.keys(newest)).not.toContain('partitions');
  });

  it('answers the failed batch with its step and reason, redacted', async () => {
    const admin = new AdminState();
    admin.observeBatch(batchStats(0));
    admin.observeFailure({
      info: {
        batchId: 1,
        time: 1_700_000_001_000,
        intervalMs: 1000,
        offsetRanges: [
          { topic: 'clicks', partition: 0, fromOffset: toOffset(10n), untilOffset: toOffset(11n) },
        ],
      },
      step: 'writing outputs',
      error: new SluiceError(ErrorCode.sink, 'cannot write to postgres://app:Hunter2@db/shop'),
    });
    // Only the first failure counts.
    admin.observeFailure({
      info: { batchId: 2, time: 0, intervalMs: 1000, offsetRanges: [] },
      step: 'processing',
      error: new Error('later'),
    });
    const url = await serve(admin);
    const failed = {
      reason: `${ErrorCode.sink}: cannot write to postgres://app:[redacted]@db/shop`,
      step: 'writing outputs',
      batch: {
        batchId: 1,
        time: 1_700_000_001_000,
        offsetRanges: [{ topic: 'clicks', partition: 0, fromOffset: '10', untilOffset: '11' }],
      },
    };
    expect(await get(`${url}/api/batch?id=1`)).toEqual({ status: 200, body: { failed } });
    expect((await get(`${url}/api/status`)).body.failure).toEqual(failed);
    expect(await get(`${url}/api/batch?id=2`)).toEqual({
      status: 404,
      body: { error: 'batch 2 is not in the history (it keeps the last batches only)' },
    });
  });

  it('answers odd ids with a short 400 and keeps serving', async () => {
    const url = await serve(new AdminState());
    for (const [query, error] of [
      ['id=__proto__', 'the batch id must be an integer from 0; got "__proto__"'],
      ['id=-1', 'the batch id must be an integer from 0; got "-1"'],
      ['id=1e300', 'the batch id must be an integer from 0; got "1e300"'],
      ['id=%F0%9F%92%A5', 'the batch id must be an integer from 0; got "💥"'],
      ['id=%ZZ', 'the batch id must be an integer from 0; got "%ZZ"'],
      ['id[]=1', 'give one batch id as ?id=<integer from 0>; got 0'],
      [`id=${'1'.repeat(8000)}`, `the batch id must be an integer from 0; got "${'1'.repeat(32)}…"`],
    ] as const) {
      const { response } = rawRequest(url, `GET /api/batch?${query} HTTP/1.1\r\nHost: localhost\r\n\r\n`);
      const answer = await response;
      expect({ query: query.slice(0, 20), status: answer.status, body: JSON.parse(answer.body) }).toEqual({
        query: query.slice(0, 20),
        status: 400,
        body: { error },
      });
    }
    expect(await get(`${url}/api/batch?id=99999999999999`)).toEqual({
      status: 404,
      body: { error: 'batch 99999999999999 is not in the history (it keeps the last batches only)' },
    });
    expect((await get(`${url}/livez`)).status).toBe(200);
  });
});

describe('/api/job, /api/state, /api/environment and /api/status', () => {
  it('/api/job: not started, then the header with operator totals', async () => {
    const admin = new AdminState();
    const url = await serve(admin);
    expect(await get(`${url}/api/job`)).toEqual({ status: 200, body: { started: false } });
    const config = loadConfig({ SLUICE_GROUP_ID: 'words', SLUICE_BATCH_INTERVAL_MS: '500' });
    admin.describeRun(
      {
        job: JOB,
        config,
        startedAt: 1_700_000_000_000,
        kafka: () => ({ clusterId: 'c1', brokers: 3, release: '4.3', metadataVersion: '4.2-IV1' }),
      },
      {},
    );
    admin.observeBatch(batchStats(0, PROFILED));
    const { body } = await get(`${url}/api/job`);
    expect(body).toMatchObject({
      job: { name: 'words.ts', builtIn: false, path: '/jobs/words.ts', settings: {} },
      trigger: 'micro-batch',
      intervalMs: 500,
      guarantee: 'at-least-once',
      startedAt: 1_700_000_000_000,
      groupId: 'words',
      topics: 'clicks',
      kafka: { clusterId: 'c1', brokers: 3, release: '4.3', metadataVersion: '4.2-IV1' },
      versions: { node: process.version, kafkajs: '2.2.4' },
      operators: [
        { ...JOB.operators[0], in: 15, out: 14, ms: null },
        { ...JOB.operators[1], in: 14, out: 3, ms: 0.75 },
        { ...JOB.operators[2], in: 3, out: 3, ms: 0.25 },
      ],
      slotMs: 2,
    });
    expect(body.uptimeMs).toBeGreaterThan(0);
  });

  it('/api/state: window entries per partition and operation, keyed keys per state partition, checkpoints', async () => {
    const admin = new AdminState();
    const url = await serve(admin);
    expect((await get(`${url}/api/state`)).body).toEqual({
      bytesAt: null,
      windows: [],
      keyed: [],
      bytes: [],
      checkpoints: null,
    });
    const save = {
      time: 1_700_000_002_000,
      durationMs: 12,
      bytes: 300,
      batchId: 1,
      partitions: [
        {
          topic: 'clicks',
          partition: 0,
          offset: '20',
          bytes: 200,
          windowBytes: 150,
          windowNodes: [{ node: 1, bytes: 149 }],
          keyed: { statePartition: 0, bytes: 40, nodes: [{ node: 3, bytes: 40 }] },
        },
        // Partition 1's state partition was not in this save; window node 1 held nothing there yet.
        {
          topic: 'clicks',
          partition: 1,
          offset: '10',
          bytes: 100,
          windowBytes: 1,
          windowNodes: [],
          keyed: null,
        },
      ],
    };
    const restore = {
      time: 1_700_000_000_000,
      durationMs: 3,
      partitions: [{ topic: 'clicks', partition: 0, from: 'local', offset: '0' }],
    };
    admin.describeRun(
      { job: JOB, config: loadConfig({}), startedAt: 0 },
      { checkpoints: () => ({ saves: [save], lastRestore: restore }) },
    );
    admin.observeBatch(batchStats(1, PROFILED));
    expect((await get(`${url}/api/state`)).body).toEqual({
      bytesAt: 1_700_000_002_000,
      windows: [
        { topic: 'clicks', partition: 0, operators: [{ node: 1, entries: 4, bytes: 149 }] },
        { topic: 'clicks', partition: 1, operators: [{ node: 1, entries: 3, bytes: null }] },
      ],
      keyed: [
        { statePartition: 0, keys: 5, bytes: 40, operators: [{ node: 3, bytes: 40 }] },
        { statePartition: 1, keys: 7, bytes: null, operators: [] },
      ],
      bytes: [
        { topic: 'clicks', partition: 0, bytes: 200, windowBytes: 150, keyedBytes: 40 },
        { topic: 'clicks', partition: 1, bytes: 100, windowBytes: 1, keyedBytes: null },
      ],
      checkpoints: { saves: [save], lastRestore: restore },
    });
  });

  it('/api/status: lag in time at the recent rate, busy share of the last batch interval, watermarks', async () => {
    const admin = new AdminState();
    const url = await serve(admin);
    let busy = [0, 0];
    admin.attach({
      lag: async () => [
        { topic: 'clicks', partition: 0, lag: 50n },
        { topic: 'clicks', partition: 1, lag: 0n },
      ],
      utilization: () => [0.5, 0.25],
      busySeconds: () => busy,
    });
    admin.describeRun(
      { job: JOB, config: loadConfig({}), startedAt: 0 },
      {
        watermarks: () => [
          { topic: 'clicks', partition: 0, watermark: 1_700_000_000_000, idle: false },
          { topic: 'clicks', partition: 1, watermark: Number.NEGATIVE_INFINITY, idle: true },
        ],
      },
    );
    admin.observeBatch(batchStats(0));
    busy = [0.25, 1];
    admin.observeBatch(batchStats(1));
    const { body } = await get(`${url}/api/status`);
    // 10 records a second from clicks-0: 50 behind is 5 s.
    expect(body.lag).toEqual([
      { topic: 'clicks', partition: 0, lag: 50, lagMs: 5000 },
      { topic: 'clicks', partition: 1, lag: 0, lagMs: 0 },
    ]);
    expect(body.watermarks).toEqual([
      { topic: 'clicks', partition: 0, watermark: 1_700_000_000_000, idle: false },
      { topic: 'clicks', partition: 1, watermark: null, idle: true },
    ]);
    // Busy share between the two batches' ends, 1 s apart on the engine's clock; utilisation since start.
    expect(body.slots).toEqual([
      { slot: 0, utilization: 0.5, busyShare: 0.25 },
      { slot: 1, utilization: 0.25, busyShare: 1 },
    ]);
  });

  it('/api/environment: the variables, secrets redacted', async () => {
    const admin = new AdminState();
    admin.describeRun(
      { job: JOB, config: loadConfig({}), startedAt: 0 },
      { env: { SLUICE_GROUP_ID: 'words', SLUICE_KAFKA_SASL_PASSWORD: 'Hunter2-api' } },
    );
    const url = await serve(admin);
    const { body } = await get(`${url}/api/environment`);
    const byName = Object.fromEntries(body.variables.map((row: { variable: string }) => [row.variable, row]));
    expect(byName.SLUICE_GROUP_ID).toEqual({ variable: 'SLUICE_GROUP_ID', value: 'words', source: 'env' });
    expect(byName.SLUICE_KAFKA_SASL_PASSWORD).toEqual({
      variable: 'SLUICE_KAFKA_SASL_PASSWORD',
      value: '[redacted]',
      source: 'env',
    });
    expect(JSON.stringify(body)).not.toContain('Hunter2');
  });
});
