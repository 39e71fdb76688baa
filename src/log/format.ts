/** How log lines are written: pino-pretty's text for a person, or one JSON object per line. */
export type LogFormat = 'pretty' | 'json';

/**
 * Pretty only for a person at a terminal in development. In production (the image sets
 * NODE_ENV=production), and wherever stderr is a pipe or a file, a collector reads the lines:
 * JSON, as it always was.
 */
export function logFormat(stderrIsTTY: boolean | undefined, nodeEnv: string | undefined): LogFormat {
  return stderrIsTTY === true && nodeEnv !== 'production' ? 'pretty' : 'json';
}
