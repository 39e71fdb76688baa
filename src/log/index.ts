import { pino } from 'pino';
import type { LogLevel } from '../config/index.ts';
import type { Logger } from '../runtime/logger.ts';

/**
 * JSON logs on stderr (stdout belongs to print() output), written synchronously so the line
 * explaining an exit is never lost. Never called per record; per-batch
 * lines are debug level.
 */
export function createLogger(level: LogLevel): Logger {
  return pino({ level, base: { service: 'sluice' } }, pino.destination({ fd: 2, sync: true }));
}
