// Child processes of a benchmark: Sluice runs and the kafkajs reference, with their CPU time and peak memory.

import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { packageFile } from '../core/index.ts';
import { ErrorCode, SluiceError } from '../errors/index.ts';

/** The `sluice` executable of this installation. */
export const SLUICE_BIN = fileURLToPath(packageFile('bin/sluice.js', import.meta.url));

/**
 * Preloaded into every child (worker threads skip it): at exit, one log line with the process's
 * CPU time (every thread: getrusage) and its peak resident set size. CPU time depends far less
 * than wall time on what else runs on the machine.
 */
const USAGE_REPORT = `data:text/javascript,${encodeURIComponent(
  "import { isMainThread } from 'node:worker_threads';" +
    "if (isMainThread) process.on('exit', () => { const u = process.resourceUsage();" +
    " process.stderr.write(JSON.stringify({ msg: 'bench usage', user: u.userCPUTime, system: u.systemCPUTime, maxRSS: u.maxRSS }) + '\\n'); });",
)}`;

/** What a child used, from its exit report. */
export type ChildUsage = { readonly cpuSeconds: number; readonly peakRssMiB: number };

export type ChildExit = {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly usage: ChildUsage | undefined;
  /** Its stderr lines that are JSON objects (pino's log lines), in order. */
  readonly logs: readonly Record<string, unknown>[];
  /** Why it failed, as its output says: the last error it printed or logged, else its last lines. */
  readonly tail: string;
};

/** A running child: its JSON lines as they come, and its exit. */
export type RunningChild = {
  readonly process: ChildProcess;
  /** Called with each JSON line of stdout as it arrives. */
  onStdoutJson(listener: (line: Record<string, unknown>) => void): void;
  readonly exit: Promise<ChildExit>;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<ChildExit>;
};

/** Starts `node script args` with `env` on top of this process's environment minus its SLUICE_* variables. */
export function startNode(
  script: string,
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  cwd?: string,
): RunningChild {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('SLUICE_')),
  );
  const child = spawn(process.execPath, [`--import=${USAGE_REPORT}`, script, ...args], {
    env: { ...clean, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(cwd ? { cwd } : {}),
  });
  const logs: Record<string, unknown>[] = [];
  const tail: string[] = [];
  const listeners: ((line: Record<string, unknown>) => void)[] = [];
  lines(child.stderr, (line) => {
    tail.push(line);
    if (tail.length > 20) tail.shift();
    const parsed = jsonObject(line);
    if (parsed) logs.push(parsed);
  });
  lines(child.stdout, (line) => {
    const parsed = jsonObject(line);
    if (parsed) for (const listener of listeners) listener(parsed);
  });
  const exit = new Promise<ChildExit>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const report = logs.findLast((line) => line.msg === 'bench usage');
      const usage = report
        ? {
            cpuSeconds: (Number(report.user) + Number(report.system)) / 1e6,
            peakRssMiB: Number(report.maxRSS) / 1024,
          }
        : undefined;
      resolve({ code, signal, usage, logs, tail: failureText(tail, logs) });
    });
  });
  return {
    process: child,
    onStdoutJson: (listener) => void listeners.push(listener),
    exit,
    async stop(graceMs = 30_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      try {
        return await exit;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** Waits for `child` to exit on its own within `timeoutMs` (then kills it); a non-zero exit is an error. */
export async function exited(child: RunningChild, what: string, timeoutMs: number): Promise<ChildExit> {
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.process.kill('SIGKILL');
  }, timeoutMs);
  const result = await child.exit.finally(() => clearTimeout(timer));
  if (result.code !== 0) {
    throw new SluiceError(
      ErrorCode.bench,
      `${what} ${timedOut ? `was killed after ${timeoutMs / 1000} s` : `exited with ${result.code ?? result.signal}`}; its last output:\n${result.tail}`,
    );
  }
  return result;
}

/**
 * The failure in a child's output: the CLI's last `SLUICE_…: message` line, or its last log line at
 * error level (message and error), or else its last lines.
 */
function failureText(tail: readonly string[], logs: readonly Record<string, unknown>[]): string {
  const printed = tail.findLast((line) => /^SLUICE_[A-Z_]+: /.test(line));
  if (printed !== undefined) return printed;
  const logged = logs.findLast((line) => Number(line.level) >= 50);
  if (logged)
    return [logged.msg, logged.error]
      .filter((part) => part !== undefined)
      .map(String)
      .join(': ');
  return tail.slice(-5).join('\n');
}

/** Field `field` of the first log line with message `msg`, as a number; NaN when there is none. */
export function logNumber(logs: readonly Record<string, unknown>[], msg: string, field: string): number {
  return Number(logs.find((line) => line.msg === msg)?.[field] ?? Number.NaN);
}

function lines(stream: NodeJS.ReadableStream, each: (line: string) => void): void {
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const parts = (rest + chunk).split('\n');
    rest = parts.pop() ?? '';
    for (const part of parts) each(part);
  });
  stream.on('end', () => {
    if (rest !== '') each(rest);
  });
}

function jsonObject(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
