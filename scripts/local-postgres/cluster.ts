import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ErrorCode, SluiceError } from '../../src/errors/index.ts';
import { freePort } from '../local-kafka/ports.ts';
import { postgresBinDir } from './binaries.ts';

const run = promisify(execFile);

/** The superuser of a throwaway cluster; trust authentication on 127.0.0.1 only. */
export const CLUSTER_USER = 'sluice';
const STATE_FILE = 'sluice-postgres.json';
// PostgreSQL refuses to run as root; Debian's package creates this user.
const UNPRIVILEGED_USER = 'postgres';

export type ClusterState = { readonly dir: string; readonly port: number; readonly url: string };

export type StartOptions = {
  /** Holds the data (`data/`), the log and the port; reused when it already holds a cluster. */
  readonly dir: string;
  /** Default: the port of the last start from `dir`, else a free one. */
  readonly port?: number;
  readonly log?: (line: string) => void;
};

function fail(message: string, cause?: unknown): SluiceError {
  return new SluiceError(ErrorCode.localPostgres, message, cause === undefined ? {} : { cause });
}

function binDir(): string {
  const dir = postgresBinDir();
  if (!dir) {
    throw fail(
      'PostgreSQL is not installed (no initdb/pg_ctl on PATH or under /usr/lib/postgresql): apt-get install -y postgresql',
    );
  }
  return dir;
}

type Uid = { readonly uid: number; readonly gid: number };

/** As root, the user to run the server as; undefined otherwise (run as ourselves). */
async function serverUser(): Promise<Uid | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const [uid, gid] = await Promise.all([
      run('id', ['-u', UNPRIVILEGED_USER]),
      run('id', ['-g', UNPRIVILEGED_USER]),
    ]);
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  } catch (error) {
    throw fail(`running as root, and there is no user ${UNPRIVILEGED_USER} to run PostgreSQL as`, error);
  }
}

async function tool(name: string, args: readonly string[], user: Uid | undefined): Promise<string> {
  const file = join(binDir(), name);
  try {
    const { stdout, stderr } = await run(file, args, {
      ...(user ? { uid: user.uid, gid: user.gid } : {}),
      // pg_ctl start leaves the server running with our pipes unless its output goes to the log.
      timeout: 120_000,
    });
    return `${stdout}${stderr}`;
  } catch (error) {
    const output = error instanceof Error && 'stderr' in error ? String(error.stderr) : '';
    throw fail(`${name} ${args.join(' ')} failed: ${output.trim() || String(error)}`, error);
  }
}

/** The cluster running from `dir`, if one does. */
export function clusterState(dir: string): ClusterState | undefined {
  const file = join(dir, STATE_FILE);
  if (!existsSync(file) || !existsSync(join(dir, 'data', 'postmaster.pid'))) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as ClusterState;
}

/**
 * Starts a throwaway PostgreSQL cluster on 127.0.0.1 (initdb on first use), and waits until it
 * takes connections. Its URL connects as `sluice` to database `postgres`.
 */
export async function startPostgres(options: StartOptions): Promise<ClusterState> {
  const { dir, log } = options;
  const data = join(dir, 'data');
  const user = await serverUser();
  mkdirSync(dir, { recursive: true });
  if (user) chownSync(dir, user.uid, user.gid);
  if (!existsSync(join(data, 'PG_VERSION'))) {
    log?.(`initdb ${data}`);
    await tool('initdb', ['-D', data, '-U', CLUSTER_USER, '--auth=trust', '-E', 'UTF8', '--no-sync'], user);
  }
  const port = options.port ?? clusterState(dir)?.port ?? (await freePort());
  const settings = [
    `-c listen_addresses=127.0.0.1`,
    `-c port=${port}`,
    `-c unix_socket_directories=''`,
    // A test cluster: durability is the tests' own concern, not the disk's.
    '-c fsync=off',
    '-c max_connections=50',
  ].join(' ');
  await tool(
    'pg_ctl',
    ['-D', data, '-l', join(dir, 'postgres.log'), '-o', settings, '-w', '-t', '60', 'start'],
    user,
  );
  const state: ClusterState = { dir, port, url: `postgres://${CLUSTER_USER}@127.0.0.1:${port}/postgres` };
  writeFileSync(join(dir, STATE_FILE), JSON.stringify(state));
  log?.(`PostgreSQL on ${state.url}`);
  return state;
}

/** Stops the cluster in `dir` (fast: open transactions are rolled back); nothing when none runs. */
export async function stopPostgres(dir: string): Promise<void> {
  const data = join(dir, 'data');
  if (!existsSync(join(data, 'postmaster.pid'))) return;
  await tool('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop'], await serverUser());
}
