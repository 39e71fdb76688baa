// log/: the process logger — pino on stderr, JSON or pretty, redacted on the way out; main thread.

import { type LogFn, type LoggerOptions, pino } from 'pino';
import PinoPretty from 'pino-pretty';
import { type LogLevel, redact } from '../config/index.ts';
import type { Logger } from '../core/index.ts';
import { type LogFormat, logFormat } from './format.ts';

export { type LogFormat, logFormat };

/**
 * Logs on stderr (stdout belongs to print() output): JSON lines, or pino-pretty's text on a
 * terminal in development (`logFormat`). Both written synchronously, so the line explaining an
 * exit is never lost; pino-pretty as a stream in this thread for that, not as a worker transport.
 * Never called per record; per-batch lines are debug level. Every line is redacted on its way out:
 * URL passwords and loaded secrets in any string of it, `Secret`s.
 */
export function createLogger(
  level: LogLevel,
  format: LogFormat = logFormat(process.stderr.isTTY, process.env.NODE_ENV),
): Logger {
  const options: LoggerOptions = {
    level,
    base: { service: 'sluice' },
    hooks: {
      logMethod(args, method) {
        const redacted = args.map((arg) => redact(arg, { names: false })) as Parameters<LogFn>;
        // biome-ignore lint/plugin/no-data-sized-spread: a log call's own arguments (an object and a message)
        method.apply(this, redacted);
      },
    },
  };
  if (format === 'json') return pino(options, pino.destination({ fd: 2, sync: true }));
  return pino(
    options,
    PinoPretty({ destination: 2, sync: true, ignore: 'service', translateTime: 'SYS:HH:MM:ss.l' }),
  );
}
