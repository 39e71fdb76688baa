#!/usr/bin/env node
// Local Apache Kafka for development and tests: `npm run kafka -- start|stop|status [--fresh]`.
import { join } from 'node:path';
import { isSluiceError } from '../src/errors/index.ts';
import { brokerStatus, startBroker, stopBroker } from './local-kafka/index.ts';

const USAGE = `usage: npm run kafka -- <start|stop|status> [--fresh]
  start    start a single-node KRaft broker on 127.0.0.1; prints its bootstrap address last
  stop     stop it
  status   say whether it runs (exit 0 when it does, 3 when not)
  --fresh  (start) wipe the broker's data first
env: SLUICE_KAFKA_DIR (default ./.kafka), SLUICE_KAFKA_VERSION, SLUICE_CACHE_DIR`;

const dir = process.env.SLUICE_KAFKA_DIR ?? join(process.cwd(), '.kafka');
const [command, ...flags] = process.argv.slice(2);
const log = (line: string): void => console.error(line);

async function main(): Promise<number> {
  switch (command) {
    case 'start': {
      const already = brokerStatus(dir);
      const state = already ?? (await startBroker({ dir, fresh: flags.includes('--fresh'), log }));
      log(
        `${already ? 'already running' : 'started'}: Kafka ${state.version}, pid ${state.pid}, log ${state.logFile}`,
      );
      console.log(state.bootstrap);
      return 0;
    }
    case 'stop': {
      const state = await stopBroker(dir);
      console.log(
        state ? `stopped Kafka on ${state.bootstrap} (pid ${state.pid})` : `no broker running from ${dir}`,
      );
      return 0;
    }
    case 'status': {
      const state = brokerStatus(dir);
      console.log(
        state ? `running: Kafka ${state.version} on ${state.bootstrap} (pid ${state.pid})` : 'not running',
      );
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
