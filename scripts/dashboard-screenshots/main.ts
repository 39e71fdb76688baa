// Regenerates the dashboard's pictures in docs/: `SLUICE_BROKERS=host:port npm run docs:screenshots`.
// Runs `sluice run` on the dashboard test's job (an event-time window and keyed state) against a
// fresh topic, feeds it in steps, then shoots the page running, a batch's drill-down, and the run
// failed by a poison record. Needs a broker (`npm run kafka -- start`) and Chromium (CHROMIUM,
// default /usr/bin/chromium).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import { chromium, type Page } from 'playwright-core';

const brokers = (process.env.SLUICE_BROKERS ?? process.env.SLUICE_TEST_BROKERS ?? '')
  .split(',')
  .filter(Boolean);
if (brokers.length === 0) {
  console.error('set SLUICE_BROKERS to a broker (npm run kafka -- start prints one)');
  process.exit(2);
}
const docs = new URL('../../docs/', import.meta.url).pathname;
const PARTITIONS = 3;
const WORDS = ['GET /', 'GET /cart', 'POST /cart', 'GET /item', 'POST /pay', 'GET /help'];
const STEPS = [40, 120, 60, 200, 90, 30, 150, 80, 110, 60, 140, 70];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}

async function until<T>(read: () => Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await sleep(100);
  }
}

const json = async (url: string): Promise<Record<string, unknown>> =>
  (await (await fetch(url)).json()) as Record<string, unknown>;

async function main(): Promise<void> {
  const kafka = new Kafka({ clientId: 'dashboard-screenshots', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const producer = kafka.producer();
  await admin.connect();
  await producer.connect();
  const suffix = Date.now().toString(36);
  const topic = `dashboard-demo-${suffix}`;
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('SLUICE_')));
  const child: ChildProcess = spawn(
    process.execPath,
    ['bin/sluice.js', 'run', 'test/fixtures/jobs/dashboard.ts'],
    {
      env: {
        ...env,
        SLUICE_BROKERS: brokers.join(','),
        SLUICE_TOPICS: topic,
        SLUICE_GROUP_ID: `dashboard-demo-${suffix}`,
        SLUICE_VALUE_FORMAT: 'string',
        SLUICE_BATCH_INTERVAL_MS: '1000',
        SLUICE_WORKERS: '2',
        SLUICE_HTTP_PORT: String(port),
        SLUICE_CHECKPOINT_DIR: mkdtempSync(join(tmpdir(), 'sluice-dashboard-demo-')),
        SLUICE_CHECKPOINT_INTERVAL_MS: '3000',
        SLUICE_FAILURE_EXIT_DELAY_MS: '120000',
        SLUICE_LOG_LEVEL: 'warn',
      },
      cwd: new URL('../../', import.meta.url).pathname,
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium' });
  try {
    await until(
      async () => ((await fetch(`${url}/readyz`)).status === 200 ? true : undefined),
      'the run to be ready',
    );
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${url}/`);
    let produced = 0;
    for (const [step, perPartition] of STEPS.entries()) {
      const now = Date.now();
      const messages = [];
      for (let partition = 0; partition < PARTITIONS; partition++)
        for (let i = 0; i < perPartition; i++) {
          // Step 7 brings 10 records per partition half a minute behind: late.
          const late = step === 7 && i < 10;
          const time = late ? now - 30_000 : now - Math.floor((i / perPartition) * 1000);
          messages.push({
            partition,
            value: WORDS[(i + partition) % WORDS.length] ?? '',
            timestamp: String(time),
          });
        }
      await producer.send({ topic, messages });
      produced += messages.length;
      await sleep(1000);
    }
    await until(async () => {
      const { batches } = (await json(`${url}/api/batches`)) as {
        batches: { records: { consumed: number } }[];
      };
      const { checkpoints } = (await json(`${url}/api/state`)) as {
        checkpoints: { saves: unknown[] } | null;
      };
      const taken = batches.reduce((sum, batch) => sum + batch.records.consumed, 0);
      return taken === produced && (checkpoints?.saves.length ?? 0) > 1 ? true : undefined;
    }, 'every record in a batch and two checkpoints');
    await sleep(2500);
    await shoot(page, 'dashboard.png', { fullPage: true });
    const { batches } = (await json(`${url}/api/batches`)) as {
      batches: { batchId: number; records: { late: number } }[];
    };
    const lateBatch = batches.find((batch) => batch.records.late > 0) ?? batches[0];
    await page.evaluate(`window.location.hash = '#batch=${lateBatch?.batchId ?? 0}'`);
    await page.waitForSelector('#drilldown:not([hidden]) #drill-partitions tbody tr');
    await page.locator('#drilldown').screenshot({ path: join(docs, 'dashboard-drilldown.png') });
    console.log(`wrote ${join(docs, 'dashboard-drilldown.png')}`);
    await producer.send({
      topic,
      messages: [{ partition: 1, value: 'poison', timestamp: String(Date.now()) }],
    });
    await page.waitForSelector('#failure:not([hidden]) .failed-batch', { timeout: 60_000 });
    await page.evaluate(
      `window.location.hash = '#batch=' + document.querySelector('#failure .failed-batch').dataset.batchId`,
    );
    await page.waitForSelector('#drilldown:not([hidden]) #drill-partitions tbody tr');
    await page.evaluate('window.scrollTo(0, 0)');
    await shoot(page, 'dashboard-failed.png', { fullPage: false });
  } finally {
    await browser.close();
    child.kill('SIGKILL');
    await producer.disconnect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => {});
    await admin.disconnect();
  }
}

async function shoot(page: Page, name: string, options: { fullPage: boolean }): Promise<void> {
  await page.screenshot({ path: join(docs, name), ...options });
  console.log(`wrote ${join(docs, name)}`);
}

await main();
