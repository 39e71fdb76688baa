// The combined log format of Apache and nginx, parsed strictly: a line that does not follow it is
// the record's fault (SLUICE_DECODE), so the job's decode policy dead-letters it.
import { ErrorCode, SluiceError } from 'sluice';

/** What the jobs read of an access line; `ts` is its time in epoch ms. */
export type Request = {
  readonly ts: number;
  readonly ip: string;
  readonly method: string;
  readonly url: string;
  readonly status: number;
  readonly bytes: number;
};

// host ident user [dd/Mon/yyyy:HH:MM:SS ±zzzz] "METHOD target PROTOCOL" status bytes "referer" "agent"
const LINE =
  /^(\S+) \S+ \S+ \[(\d{2})\/([A-Z][a-z]{2})\/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})\] "([A-Z]+) (\S+) HTTP\/\d(?:\.\d)?" (\d{3}) (\d+|-) "[^"]*" "[^"]*"$/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const SAMPLE = 120;

function refuse(line: string, why: string): never {
  const sample = line.length > SAMPLE ? `${line.slice(0, SAMPLE)}… (${line.length} characters)` : line;
  throw new SluiceError(
    ErrorCode.decode,
    `not a combined log format line (${why}): ${JSON.stringify(sample)}`,
  );
}

/** The request a line records; throws `SLUICE_DECODE` naming what is wrong with it. */
export function parseLogLine(line: string): Request {
  const m = LINE.exec(line);
  if (m === null) refuse(line, 'its fields do not match');
  const [, ip = '', dd, mon = '', yyyy, hh, mm, ss, sign, zh, zm, method = '', url = '', status, bytes] = m;
  const month = MONTHS.indexOf(mon);
  const [day, hour, minute, second] = [dd, hh, mm, ss].map(Number) as [number, number, number, number];
  const local = Date.UTC(Number(yyyy), month, day, hour, minute, second);
  // Date.UTC rolls 31/Feb over into March: a field out of range shows as a different date.
  const back = new Date(local);
  if (
    month < 0 ||
    hour > 23 ||
    minute > 59 ||
    second > 59 ||
    back.getUTCDate() !== day ||
    back.getUTCMonth() !== month
  )
    refuse(line, 'its time is not a date');
  const offset = (Number(zh) * 60 + Number(zm)) * 60_000 * (sign === '-' ? -1 : 1);
  return {
    ts: local - offset,
    ip,
    method,
    url,
    status: Number(status),
    bytes: bytes === '-' ? 0 : Number(bytes),
  };
}
