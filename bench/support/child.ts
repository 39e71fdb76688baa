import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SLUICE_BIN = fileURLToPath(new URL('../../bin/sluice.js', import.meta.url));

export type ChildRun = {
  /** From spawn to exit: includes Node start-up, module loading and, on Kafka, the group join. */
  readonly wallMs: number;
  /** CPU time of the whole child process, every thread, user + system (its `process.cpuUsage()` at exit). */
  readonly cpuMs: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stderr lines that parsed as JSON objects (pino's log lines). */
  readonly logs: readonly Record<string, unknown>[];
};

/**
 * Preloaded into every child (and so into its worker threads, which skip it): prints the
 * process's CPU time (all threads: getrusage) as a log line at exit. CPU time depends far less
 * than wall time on what else runs on the machine.
 */
const CPU_REPORT = `data:text/javascript,${encodeURIComponent(
  "import { isMainThread } from 'node:worker_threads';" +
    "if (isMainThread) process.on('exit', () => { const u = process.cpuUsage();" +
    " process.stderr.write(JSON.stringify({ msg: 'bench cpu', user: u.user, system: u.system }) + '\\n'); });",
)}`;

/** A run that takes longer than this is stuck, not slow. */
const TIMEOUT_MS = 10 * 60_000;

/**
 * Runs `node [nodeArgs] script [args]` with only the given SLUICE_* variables; fails on a
 * non-zero exit, and kills the child (SIGKILL) when it runs past `timeoutMs`.
 */
export async function runNode(
  script: string,
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  nodeArgs: readonly string[] = [],
  timeoutMs = TIMEOUT_MS,
): Promise<ChildRun> {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('SLUICE_')),
  );
  const started = performance.now();
  const child = spawn(process.execPath, [`--import=${CPU_REPORT}`, ...nodeArgs, script, ...args], {
    cwd: REPO_ROOT,
    env: { ...clean, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  }).finally(() => clearTimeout(timer));
  const wallMs = performance.now() - started;
  const stdout = Buffer.concat(out).toString();
  const stderr = Buffer.concat(err).toString();
  if (code !== 0) {
    throw new Error(
      `${script} ${args.join(' ')} ${timedOut ? `was killed after ${timeoutMs} ms` : `exited with ${code}`}; last stderr:\n${stderr.split('\n').slice(-20).join('\n')}`,
    );
  }
  const logs = jsonLines(stderr);
  const cpu = logs.find((line) => line.msg === 'bench cpu');
  const cpuMs = cpu ? (Number(cpu.user) + Number(cpu.system)) / 1000 : Number.NaN;
  return { wallMs, cpuMs, stdout, stderr, logs };
}

/** `node [nodeArgs] bin/sluice.js run` with the given SLUICE_* environment. */
export function runSluice(
  env: Readonly<Record<string, string>>,
  nodeArgs: readonly string[] = [],
): Promise<ChildRun> {
  return runNode(SLUICE_BIN, ['run'], env, nodeArgs);
}

function jsonLines(text: string): Record<string, unknown>[] {
  const lines: Record<string, unknown>[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // not a log line
    }
  }
  return lines;
}

export type BatchLog = { readonly batchId: number; readonly records: number; readonly processingMs: number };

/** The engine's per-batch debug lines ("batch done"): what `onBatch` sees, from a child process. */
export function batchLogs(run: ChildRun): BatchLog[] {
  return run.logs
    .filter((line) => line.msg === 'batch done')
    .map((line) => ({
      batchId: Number(line.batchId),
      records: Number(line.records),
      processingMs: Number(line.processingMs),
    }));
}

/** What a row keeps of each run: wall and CPU time, and every batch's records and processing time. */
export type RunSamples = {
  readonly wallMs: number[];
  readonly cpuMs: number[];
  readonly batchRecords: number[];
  readonly batchMs: number[];
};

export function addRun(row: RunSamples, run: ChildRun): void {
  row.wallMs.push(run.wallMs);
  row.cpuMs.push(run.cpuMs);
  for (const batch of batchLogs(run)) {
    row.batchRecords.push(batch.records);
    row.batchMs.push(batch.processingMs);
  }
}

/** Field `field` of the first log line with `msg`, as a number; NaN when there is none. */
export function logNumber(run: ChildRun, msg: string, field: string): number {
  return Number(run.logs.find((line) => line.msg === msg)?.[field] ?? Number.NaN);
}

/** Milliseconds between the first log line with `from` and the first with `to` (pino's `time`). */
export function logSpanMs(run: ChildRun, from: string, to: string): number {
  return logNumber(run, to, 'time') - logNumber(run, from, 'time');
}
