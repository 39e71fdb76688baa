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
