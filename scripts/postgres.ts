#!/usr/bin/env node
// Throwaway PostgreSQL for development and tests: `node scripts/postgres.ts start|stop [dir]`.
import { join } from 'node:path';
import { isSluiceError } from '../src/errors/index.ts';
import { clusterState, startPostgres, stopPostgres } from './local-postgres/index.ts';

const USAGE = `usage: node scripts/postgres.ts <start|stop|status> [dir]
  start   initdb (first time) and start a cluster on 127.0.0.1; prints its URL last
  stop    stop it
  status  print its URL when it runs (exit 0), else exit 3
  dir     where the cluster lives (default ./.postgres)`;

const [command, dirArg] = process.argv.slice(2);
const dir = dirArg ?? join(process.cwd(), '.postgres');

async function main(): Promise<number> {
  switch (command) {
    case 'start': {
      const state = await startPostgres({ dir, log: (line) => console.error(line) });
      console.log(state.url);
      return 0;
    }
    case 'stop':
      await stopPostgres(dir);
      return 0;
    case 'status': {
      const state = clusterState(dir);
      if (state) console.log(state.url);
      return state ? 0 : 3;
    }
    default:
      console.error(USAGE);
      return 2;
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(isSluiceError(error) ? `${error.code}: ${error.message}` : error);
    process.exit(1);
  },
);
