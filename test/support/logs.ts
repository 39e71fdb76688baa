/** One pino JSON line of a `sluice` process's stderr. */
export type LogLine = { readonly level: number; readonly msg: string } & Readonly<Record<string, unknown>>;

/** Every JSON log line in `stderr`, in order; other text (none is expected) is left out. */
export function logLines(stderr: string): LogLine[] {
  return stderr
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);
}

/** The log lines with message `msg`. */
export function logged(stderr: string, msg: string): LogLine[] {
  return logLines(stderr).filter((line) => line.msg === msg);
}

/**
 * For `waitForLog`: true once `count` batches that read records are done since the process's last
 * `checkpoint written` line (or its start); `ids` are theirs. A process killed then has their
 * batches in its batch log, after its last checkpoint: the next run replays every one of them.
 */
export function batchesSinceCheckpoint(count: number): {
  readonly ids: number[];
  readonly reached: (line: LogLine) => boolean;
} {
  const ids: number[] = [];
  const reached = (line: LogLine): boolean => {
    if (line.msg === 'checkpoint written') ids.length = 0;
    else if (line.msg === 'batch done' && (line.offsets as string[]).length > 0)
      ids.push(Number(line.batchId));
    return ids.length >= count;
  };
  return { ids, reached };
}

/**
 * For `waitForLog`: true once `batch done` lines have read every partition of `topic` past the
 * offset `past` gives it (as `offsets committed` would: the next offset to read).
 */
export function readPast(topic: string, past: readonly (string | number)[]): (line: LogLine) => boolean {
  const reads = new Map<number, bigint>();
  return (line) => {
    if (line.msg !== 'batch done') return false;
    for (const entry of line.offsets as string[]) {
      const at = entry.lastIndexOf('@');
      const partition = entry.slice(0, at);
      if (partition.slice(0, partition.lastIndexOf('-')) !== topic) continue;
      reads.set(Number(partition.slice(partition.lastIndexOf('-') + 1)), BigInt(entry.slice(at + 1)));
    }
    return past.every((offset, partition) => (reads.get(partition) ?? -1n) > BigInt(offset));
  };
}

/**
 * The run summary of a process's one `sluice finished` line: by default its records, decode errors
 * and late records. Throws when the process logged none, or more than one.
 */
export function finishedSummary(
  stderr: string,
  fields: readonly string[] = ['records', 'decodeErrors', 'late'],
): Record<string, unknown> {
  const lines = logged(stderr, 'sluice finished');
  if (lines.length !== 1) throw new Error(`expected one 'sluice finished' line, got ${lines.length}`);
  const line = lines[0] as LogLine;
  return Object.fromEntries(fields.map((field) => [field, line[field]]));
}
