/** Several `sluice run` processes of one group: their data, environment, and what their logs say. */
import type { RunningCli } from './cli.ts';
import { type LogLine, logged, logLines } from './logs.ts';
import { sortRows, type WindowRow, windowCounts } from './window-oracle.ts';

export const PARTITIONS = 6;
export const WINDOW_MS = 4_000;
const BASE = Date.UTC(2025, 0, 1);
const STEP_MS = 50;
/** Two keys per partition, each only ever in its partition: per-instance merging is complete. */
export const KEYS_PER_PARTITION = 2;
/** Far ahead in event time: it fires every window of the rounds before it. */
const CLOSING = 'closing';

export type Message = { readonly partition: number; readonly value: string };
type Timed = { readonly key: string; readonly time: number };

/**
 * `perPartition` records for each partition, continuing the event-time clock after `round - 1`
 * rounds. Allowed lateness (an hour) is far longer than every round together, so no record is
 * ever late, whichever instance reads it after whichever moves.
 */
export function round(index: number, perPartition: number): { messages: Message[]; timed: Timed[] } {
  const messages: Message[] = [];
  const timed: Timed[] = [];
  for (let partition = 0; partition < PARTITIONS; partition++) {
    for (let i = 0; i < perPartition; i++) {
      const n = index * perPartition + i;
      const key = `p${partition}k${n % KEYS_PER_PARTITION}`;
      const time = BASE + n * STEP_MS + partition * 7;
      messages.push({ partition, value: JSON.stringify({ user: key, at: time }) });
      timed.push({ key, time });
    }
  }
  return { messages, timed };
}

export function closing(): Message[] {
  return Array.from({ length: PARTITIONS }, (_, partition) => ({
    partition,
    value: JSON.stringify({ user: CLOSING, at: BASE + 86_400_000 }),
  }));
}

export function oracle(timed: readonly Timed[]): WindowRow[] {
  return windowCounts(timed, WINDOW_MS, WINDOW_MS);
}

/**
 * A `sluice run` of one group in these scenarios: 100 ms batches of at most 25 records per
 * partition, two slots, checkpoints every 500 ms, a 6 s session, debug logs; `job` adds its own.
 */
export function groupRunEnv(
  brokers: string,
  topic: string,
  group: string,
  checkpoints: string,
  job: Record<string, string>,
): Record<string, string> {
  return {
    SLUICE_BROKERS: brokers,
    SLUICE_TOPICS: topic,
    SLUICE_GROUP_ID: group,
    SLUICE_TRIGGER: 'micro-batch',
    SLUICE_BATCH_INTERVAL_MS: '100',
    SLUICE_WORKERS: '2',
    SLUICE_MAX_RECORDS_PER_BATCH: '25',
    SLUICE_CHECKPOINT_DIR: checkpoints,
    SLUICE_CHECKPOINT_INTERVAL_MS: '500',
    SLUICE_SESSION_TIMEOUT_MS: '6000',
    SLUICE_LOG_LEVEL: 'debug',
    ...job,
  };
}

/** The last `lines` log lines above debug of every instance, for a failure message. */
export function recentLogs(clis: Readonly<Record<string, RunningCli>>, lines = 30): string {
  return Object.entries(clis)
    .map(
      ([name, cli]) =>
        `${name}:\n${cli
          .output()
          .split('\n')
          .filter((line) => !line.includes('"level":20'))
          .slice(-lines)
          .join('\n')}`,
    )
    .join('\n');
}

/** The built-in aggregate job's counts per event-time window of WINDOW_MS, into files under `sink`. */
export function instanceEnv(
  brokers: string,
  topic: string,
  group: string,
  checkpoints: string,
  sink: string,
): Record<string, string> {
  return groupRunEnv(brokers, topic, group, checkpoints, {
    SLUICE_KEY_FIELD: 'user',
    SLUICE_AGG: 'count',
    SLUICE_TIME: 'event',
    SLUICE_TIMESTAMP_FIELD: 'at',
    SLUICE_WINDOW_MS: String(WINDOW_MS),
    SLUICE_SLIDE_MS: String(WINDOW_MS),
    SLUICE_ALLOWED_LATENESS_MS: '3600000',
    SLUICE_IDLE_TIMEOUT_MS: '600000',
    SLUICE_SINK: `file:${sink}`,
  });
}

const rowId = (row: WindowRow): string => `${row.windowStart}/${row.windowEnd}/${row.key}`;

/** Emissions of one (key, window) whose values differ: a re-emission must repeat the first. */
export function conflicting(rows: readonly WindowRow[]): WindowRow[][] {
  const byId = new Map<string, WindowRow[]>();
  for (const row of rows) byId.set(rowId(row), [...(byId.get(rowId(row)) ?? []), row]);
  return [...byId.values()].filter((same) => new Set(same.map((row) => row.value)).size > 1);
}

/** One emission per (key, window), sorted; the closing record's own windows never fire. */
export function distinct(rows: readonly WindowRow[]): WindowRow[] {
  return sortRows([...new Map(rows.map((row) => [rowId(row), row])).values()]);
}

type Span = { readonly instance: string; readonly partition: string; readonly from: number; to: number };
type Commit = { readonly instance: string; readonly partition: string; readonly at: number };

/**
 * From each instance's log: when it owned which partition (from its assignment to its revocation,
 * its next assignment without it, or its end) and when it committed which. `ends` is when each
 * process ended (killed or exited).
 */
export function ownership(
  logs: Readonly<Record<string, string>>,
  ends: Readonly<Record<string, number>>,
): { spans: Span[]; commits: Commit[] } {
  const spans: Span[] = [];
  const commits: Commit[] = [];
  for (const [instance, stderr] of Object.entries(logs)) {
    const open = new Map<string, Span>();
    const close = (partition: string, at: number): void => {
      const span = open.get(partition);
      if (span) span.to = at;
      open.delete(partition);
    };
    for (const line of logLines(stderr)) {
      const at = Number(line.time);
      if (line.msg === 'partitions assigned') {
        const assigned = new Set(line.assigned as string[]);
        for (const partition of [...open.keys()]) if (!assigned.has(partition)) close(partition, at);
        for (const partition of assigned) {
          if (open.has(partition)) continue;
          const span = { instance, partition, from: at, to: Number.POSITIVE_INFINITY };
          open.set(partition, span);
          spans.push(span);
        }
      } else if (line.msg === 'partitions revoked') {
        for (const partition of [...open.keys()]) close(partition, at);
      } else if (line.msg === 'offsets committed') {
        for (const entry of line.committed as string[]) {
          commits.push({ instance, partition: entry.slice(0, entry.lastIndexOf('@')), at });
        }
      }
    }
    for (const partition of [...open.keys()]) close(partition, ends[instance] ?? Number.POSITIVE_INFINITY);
  }
  return { spans, commits };
}

/** Commits made while the committing instance did not own the partition, or another one did. */
export function commitsNotOwned(
  logs: Readonly<Record<string, string>>,
  ends: Readonly<Record<string, number>>,
) {
  const { spans, commits } = ownership(logs, ends);
  return commits.filter(({ instance, partition, at }) => {
    const own = spans.some(
      (s) => s.instance === instance && s.partition === partition && s.from <= at && at <= s.to,
    );
    const other = spans.some(
      (s) => s.instance !== instance && s.partition === partition && s.from < at && at < s.to,
    );
    return !own || other;
  });
}

/** The time of the first line with message `msg` after `after` (epoch ms), per the process's log. */
export function firstAfter(
  stderr: string,
  msg: string,
  after: number,
  test?: (line: Record<string, unknown>) => boolean,
): number | undefined {
  const line = logLines(stderr).find((l) => l.msg === msg && Number(l.time) > after && (!test || test(l)));
  return line ? Number(line.time) : undefined;
}

/** What an instance was assigned last, from its log; with `topic`, only that topic's partitions. */
export const assigned = (cli: RunningCli, topic?: string): string[] =>
  ((logged(cli.output(), 'partitions assigned').at(-1)?.assigned as string[] | undefined) ?? []).filter(
    (id) => topic === undefined || id.startsWith(`${topic}-`),
  );

/**
 * A poller: resolves once `check` holds, checking every 100 ms; after `timeoutMs` throws, naming
 * `what` and adding what `explain` says (the instances' logs).
 */
export function waitUntil(explain: () => string) {
  return async (what: string, check: () => Promise<boolean> | boolean, timeoutMs = 60_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!(await Promise.resolve(check()).catch(() => false))) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${explain()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
}

const HELD_TOO_LONG = 'the revocation checkpoint is taking too long: rejoining the group without it';

/**
 * Revocations that gave their partitions up without the checkpoint and without the warning that
 * comes right before one that waited out its hold (5 s, which a loaded machine may take: then the
 * next owner restores the last durable checkpoint). Each other revocation is checkpointed.
 */
export function revokedUnsaved(stderr: string): LogLine[] {
  const lines = logLines(stderr);
  return lines.filter(
    (line, i) =>
      line.msg === 'partitions revoked' && line.checkpointed !== true && lines[i - 1]?.msg !== HELD_TOO_LONG,
  );
}
