import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode, SluiceError } from '../../src/errors/index.ts';
import {
  type BrokerPorts,
  type BrokerSecurity,
  scramFormatArgs,
  serverProperties,
  writeLogConfig,
} from './config.ts';
import { ensureKafkaJars } from './fetch.ts';
import { javaCommand } from './java.ts';
import { freePort } from './ports.ts';
import { answersMetadata } from './probe.ts';
import { kafkaVersion } from './versions.ts';

export type BrokerState = {
  readonly pid: number;
  readonly bootstrap: string;
  /** `127.0.0.1:<port>` of the SASL_SSL listener, when started with `security`. */
  readonly saslSslBootstrap?: string;
  readonly version: string;
  readonly ports: BrokerPorts;
  readonly logFile: string;
};

export type StartOptions = {
  /** Folder for data, config, log and pid; one broker per folder. */
  readonly dir: string;
  readonly version?: string;
  readonly timeoutMs?: number;
  /** Wipe the data folder first. */
  readonly fresh?: boolean;
  readonly log?: (line: string) => void;
  /** Adds a SASL_SSL listener on a port of its own (see BrokerSecurity). */
  readonly security?: BrokerSecurity;
};

const STATE_FILE = 'broker.json';
const PORTS_FILE = 'ports.json';
const LOG_TAIL_LINES = 40;
const BIND_RETRIES = 3;

/**
 * Starts a single-node KRaft broker on 127.0.0.1 and resolves once it answers a metadata
 * request. When one already runs from `dir`, returns it unchanged.
 */
export async function startBroker(options: StartOptions): Promise<BrokerState> {
  const running = brokerStatus(options.dir);
  if (running) return running;

  const log = options.log ?? (() => {});
  const version = options.version ?? kafkaVersion();
  const java = javaCommand();
  const libs = ensureKafkaJars(version, log);
  mkdirSync(options.dir, { recursive: true });
  if (options.fresh) wipe(options.dir);

  for (let attempt = 1; ; attempt++) {
    const { ports, chosenNow } = await portsFor(options.dir, options.security !== undefined);
    try {
      return await launch({ ...options, version, java, libs, ports });
    } catch (error) {
      // A port picked a moment ago can be taken by someone else before the JVM binds it.
      const bindFailure = tail(join(options.dir, 'broker.log')).includes('Address already in use');
      if (!(bindFailure && chosenNow && attempt < BIND_RETRIES)) throw error;
      log(`ports ${ports.broker}/${ports.controller} were taken; retrying with new ones`);
      wipe(options.dir);
    }
  }
}

type LaunchOptions = StartOptions & {
  readonly version: string;
  readonly java: string;
  readonly libs: string;
  readonly ports: BrokerPorts;
};

async function launch(options: LaunchOptions): Promise<BrokerState> {
  const { dir, version, java, libs, ports } = options;
  const dataDir = join(dir, 'data');
  const propsFile = join(dir, 'server.properties');
  const logFile = join(dir, 'broker.log');
  writeFileSync(propsFile, serverProperties(dataDir, ports, options.security));
  const logFlag = writeLogConfig(dir, version);
  const classpath = `${libs}/*`;

  const metaFile = join(dataDir, 'meta.properties');
  if (!existsSync(metaFile)) {
    const clusterId = newClusterId();
    const format = spawnSync(
      java,
      [
        logFlag,
        '-cp',
        classpath,
        'kafka.tools.StorageTool',
        'format',
        '-t',
        clusterId,
        '-c',
        propsFile,
        ...scramFormatArgs(options.security),
      ],
      { encoding: 'utf8' },
    );
    if (format.status !== 0) {
      throw new SluiceError(
        ErrorCode.localKafka,
        `formatting the KRaft log dir ${dataDir} failed (exit ${format.status}):\n${format.stdout}${format.stderr}`,
      );
    }
  }

  const out = openSync(logFile, 'w');
  const child = spawn(
    java,
    [
      '-Xms256m',
      '-Xmx1g',
      '-XX:+UseG1GC',
      '-Djava.awt.headless=true',
      logFlag,
      '-cp',
      classpath,
      'kafka.Kafka',
      propsFile,
    ],
    { detached: true, stdio: ['ignore', out, out] },
  );
  closeSync(out);
  child.unref();
  if (child.pid === undefined) {
    throw new SluiceError(ErrorCode.localKafka, `could not start ${java} for the Kafka broker`);
  }

  const state: BrokerState = {
    pid: child.pid,
    bootstrap: `127.0.0.1:${ports.broker}`,
    ...(ports.saslSsl === undefined ? {} : { saslSslBootstrap: `127.0.0.1:${ports.saslSsl}` }),
    version,
    ports,
    logFile,
  };
  writeFileSync(join(dir, STATE_FILE), `${JSON.stringify(state, null, 2)}\n`);

  const clusterId = /^cluster\.id=(.+)$/m.exec(readFileSync(metaFile, 'utf8'))?.[1] ?? '';
  const deadline = Date.now() + (options.timeoutMs ?? 90_000);
  while (Date.now() < deadline) {
    if (!isKafkaProcess(state.pid)) break;
    if (await answersMetadata(state.bootstrap, clusterId)) return state;
    await sleep(250);
  }
  const exited = !isKafkaProcess(state.pid);
  killHard(state.pid);
  rmSync(join(dir, STATE_FILE), { force: true });
  throw new SluiceError(
    ErrorCode.localKafka,
    `Kafka ${version} broker on ${state.bootstrap} ${exited ? 'exited during start-up' : 'did not answer a metadata request in time'}; last lines of ${logFile}:\n${tail(logFile)}`,
  );
}

/**
 * A random 16-byte id in base64url, as `kafka-storage random-uuid` makes. Like Kafka's own
 * Uuid.randomUuid, never one starting with '-': the format tool would read it as an option.
 */
export function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** The running broker started from `dir`, or undefined. A stale state file is removed. */
export function brokerStatus(dir: string): BrokerState | undefined {
  const file = join(dir, STATE_FILE);
  if (!existsSync(file)) return undefined;
  const state = JSON.parse(readFileSync(file, 'utf8')) as BrokerState;
  if (isKafkaProcess(state.pid)) return state;
  rmSync(file, { force: true });
  return undefined;
}

/** Stops the broker started from `dir`: SIGTERM for a controlled shutdown, SIGKILL after the timeout. */
export async function stopBroker(dir: string, timeoutMs = 30_000): Promise<BrokerState | undefined> {
  const state = brokerStatus(dir);
  if (!state) return undefined;
  process.kill(state.pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (isKafkaProcess(state.pid) && Date.now() < deadline) await sleep(200);
  if (isKafkaProcess(state.pid)) killHard(state.pid);
  rmSync(join(dir, STATE_FILE), { force: true });
  return state;
}

async function portsFor(dir: string, saslSsl: boolean): Promise<{ ports: BrokerPorts; chosenNow: boolean }> {
  const file = join(dir, PORTS_FILE);
  // The controller address is part of the formatted quorum, so a formatted folder keeps its ports.
  if (existsSync(file) && existsSync(join(dir, 'data', 'meta.properties'))) {
    return { ports: JSON.parse(readFileSync(file, 'utf8')) as BrokerPorts, chosenNow: false };
  }
  const ports = {
    broker: await freePort(),
    controller: await freePort(),
    ...(saslSsl ? { saslSsl: await freePort() } : {}),
  };
  writeFileSync(file, `${JSON.stringify(ports)}\n`);
  return { ports, chosenNow: true };
}

function wipe(dir: string): void {
  rmSync(join(dir, 'data'), { recursive: true, force: true });
  rmSync(join(dir, PORTS_FILE), { force: true });
}

/** Checks the command line too, so a recycled pid never passes for our broker. */
function isKafkaProcess(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const cmdline = `/proc/${pid}/cmdline`;
  if (!existsSync(cmdline)) return true;
  const args = readFileSync(cmdline, 'utf8');
  return args.includes('kafka.Kafka') && !isZombie(pid);
}

function isZombie(pid: number): boolean {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return / Z /.test(stat.slice(stat.lastIndexOf(')')));
}

function killHard(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

function tail(file: string): string {
  if (!existsSync(file)) return '(no log written)';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-LOG_TAIL_LINES).join('\n');
}
