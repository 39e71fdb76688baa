// Docker HEALTHCHECK: exit 0 when the admin server answers 200 on /livez, else 1.
// Node built-ins only, so it runs in the production image, which has no dev dependencies.
// The image sets SLUICE_HTTP_PORT, so the server never moves to a port after a taken default one.
const PORT_VARIABLE = 'SLUICE_HTTP_PORT';
const ENABLED_VARIABLE = 'SLUICE_HTTP_ENABLED';
const DEFAULT_PORT = '4040';
const TIMEOUT_MS = 2000;

function parsePort(raw: string): number {
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port < 1 || port > 65535) {
    throw new Error(`${PORT_VARIABLE} must be an integer from 1 to 65535; got ${JSON.stringify(raw)}`);
  }
  return port;
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'TimeoutError') return `no response within ${TIMEOUT_MS} ms`;
  // fetch() rejects with a generic "fetch failed"; the socket error (ECONNREFUSED, …) is the cause.
  return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
}

/** Returns undefined when healthy, else what went wrong. */
async function probe(url: string): Promise<string | undefined> {
  try {
    // A redirect is not a healthy answer from an endpoint that should answer itself.
    const response = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(TIMEOUT_MS) });
    await response.body?.cancel();
    return response.status === 200 ? undefined : `HTTP ${response.status}`;
  } catch (error) {
    return describe(error);
  }
}

async function main(): Promise<number> {
  if (process.env[ENABLED_VARIABLE]?.trim() === 'false') {
    console.error(
      `healthcheck: ${ENABLED_VARIABLE}=false: no admin HTTP server answers /livez; run the container with --no-healthcheck`,
    );
    return 1;
  }
  let port: number;
  try {
    port = parsePort(process.env[PORT_VARIABLE] ?? DEFAULT_PORT);
  } catch (error) {
    console.error(`healthcheck: ${describe(error)}`);
    return 1;
  }
  const url = `http://127.0.0.1:${port}/livez`;
  const problem = await probe(url);
  if (problem === undefined) return 0;
  console.error(`healthcheck: ${url} unhealthy: ${problem}`);
  return 1;
}

process.exitCode = await main();
