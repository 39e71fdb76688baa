// The ports the admin HTTP server tries: SLUICE_HTTP_PORT exactly, or from 4040 on as Spark's UI does.

import type { SluiceConfig } from './types.ts';

/** Where the admin HTTP server listens when SLUICE_HTTP_PORT is unset, as Spark's UI (spark.ui.port). */
export const DEFAULT_HTTP_PORT = 4040;

/** Ports tried from DEFAULT_HTTP_PORT while they are taken: 4040 to 4055, Spark's 16 (spark.port.maxRetries). */
export const HTTP_PORT_TRIES = 16;

/**
 * The first port to listen on and the last to try while they are taken. A port that was set is
 * the only one (0: one the system picks); unset, the default and the 15 after it.
 */
export function httpPorts(config: Pick<SluiceConfig, 'httpPort'>): { port: number; lastPort: number } {
  if (config.httpPort !== undefined) return { port: config.httpPort, lastPort: config.httpPort };
  return { port: DEFAULT_HTTP_PORT, lastPort: DEFAULT_HTTP_PORT + HTTP_PORT_TRIES - 1 };
}
