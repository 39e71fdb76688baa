import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFailed } from 'vitest';
import { type LogLine, logLines } from './logs.ts';

export type CliResult = { readonly code: number | null; readonly stdout: string; readonly stderr: string };

export type RunningCli = {
  readonly child: ChildProcess;
  /** The SLUICE_* variables it was started with (a failed scenario keeps its checkpoint folder). */
  readonly env: Readonly<Record<string, string>>;
  readonly done: Promise<CliResult>;
  /** Resolves when stdout or stderr has printed text matching `pattern`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Everything printed so far, stdout then stderr. */
  output(): string;
  /** Everything printed on stderr so far: the log. */
  stderr(): string;
};

/** A port nobody listens on now, for a process's SLUICE_HTTP_PORT. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}

const FREE_PORT_SCRIPT =
  "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close()})";

/**
 * Starts `sluice <args>` as a real process, with only the given SLUICE_* variables. Without a
 * SLUICE_HTTP_PORT it gets a free one: processes side by side would otherwise all want 4040.
 */
export function startCli(args: readonly string[], env: Record<string, string>): RunningCli {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('SLUICE_')),
  );
  const port =
    args[0] === 'run' && env.SLUICE_HTTP_PORT === undefined
      ? { SLUICE_HTTP_PORT: execFileSync(process.execPath, ['-e', FREE_PORT_SCRIPT]).toString() }
      : {};
  const child = spawn(process.execPath, ['bin/sluice.js', ...args], { env: { ...clean, ...port, ...env } });
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    for (const listener of listeners) listener();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    for (const listener of listeners) listener();
  });
  const done = new Promise<CliResult>((resolve) => {
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  return {
    child,
    env,
    done,
    output: () => `${stdout}${stderr}`,
    stderr: () => stderr,
    waitFor: (pattern, timeoutMs = 30_000) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          if (pattern.test(stdout) || pattern.test(stderr)) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve();
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`no output matching ${pattern} within ${timeoutMs} ms; stderr:\n${stderr}`));
        }, timeoutMs);
        listeners.add(check);
        check();
      }),
  };
}

export function runCli(args: readonly string[], env: Record<string, string>): Promise<CliResult> {
  return startCli(args, env).done;
}

/** Resolves once the process has logged `count` lines with message `msg`. */
export function waitForLines(cli: RunningCli, msg: string, count: number): Promise<void> {
  const needle = `"msg":"${msg}"`;
  const seen = (): number => cli.output().split(needle).length - 1;
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (seen() < count) return;
      cli.child.stderr?.off('data', check);
      resolve();
    };
    cli.child.stderr?.on('data', check);
    cli.done.then(() => {
      if (seen() < count)
        reject(new Error(`exited after ${seen()} of ${count} '${msg}' lines:\n${cli.output()}`));
    });
    check();
  });
}

/**
 * Resolves once `reached` returns true for one of the process's log lines, which it is given each
 * once, in order (so it may count); rejects, naming `what`, if the process exits before. A wait
 * for what the process says it did, where a sleep would guess how far it got.
 */
export function waitForLog(
  cli: RunningCli,
  what: string,
  reached: (line: LogLine) => boolean,
): Promise<void> {
  let read = 0;
  let found = false;
  const check = (): boolean => {
    const text = cli.stderr();
    const end = text.lastIndexOf('\n') + 1;
    if (!found && end > read) found = logLines(text.slice(read, end)).some(reached);
    read = Math.max(read, end);
    return found;
  };
  return new Promise((resolve, reject) => {
    const onData = (): void => {
      if (!check()) return;
      cli.child.stderr?.off('data', onData);
      resolve();
    };
    cli.child.stderr?.on('data', onData);
    cli.done.then(() => {
      if (!check()) reject(new Error(`exited before ${what}:\n${cli.output()}`));
    });
    onData();
  });
}

/**
 * Runs a scenario of several `sluice run` processes, registered in `clis` by name; when the test
 * fails (also by its timeout), their whole logs go to a temp folder it names, to tell what
 * happened to a lost record.
 */
export async function keepingLogs(
  prefix: string,
  scenario: (clis: Record<string, RunningCli>) => Promise<void>,
): Promise<void> {
  const clis: Record<string, RunningCli> = {};
  // A scenario that failed half way leaves instances running: they would hold the broker's group
  // and the machine's cores for the tests after it.
  const stop = async (): Promise<void> => {
    const running = Object.values(clis).filter(
      (cli) => cli.child.exitCode === null && cli.child.signalCode === null,
    );
    for (const cli of running) cli.child.kill('SIGKILL');
    await Promise.all(running.map((cli) => cli.done));
  };
  onTestFailed(async () => {
    const dir = mkdtempSync(join(tmpdir(), `${prefix}-failed-`));
    for (const [name, cli] of Object.entries(clis)) {
      writeFileSync(join(dir, `${name}.log`), cli.output());
      // The checkpoint files as the failure left them: what a restore read.
      const checkpoints = cli.env.SLUICE_CHECKPOINT_DIR;
      if (checkpoints && existsSync(checkpoints))
        cpSync(checkpoints, join(dir, `${name}-checkpoints`), { recursive: true });
    }
    console.error(`the instances' logs and checkpoints are in ${dir}`);
    await stop();
  });
  try {
    await scenario(clis);
  } finally {
    await stop();
  }
}

/** A failed wait must not leave a process holding its group and a core. */
export function killIfRunning(cli: RunningCli): void {
  if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill('SIGKILL');
}
