// The admin HTTP server of an AdminState on a free port, closed after each test of the file.
import { afterEach } from 'vitest';
import { type AdminServer, type AdminState, startAdminServer } from '../../src/admin/index.ts';
import { silentLogger } from '../../src/core/index.ts';

/** Registers the cleanup in the calling file; the returned function starts a server and gives its URL. */
export function adminServers(): (
  admin: AdminState,
  options?: { readonly host?: string; readonly allowedHosts?: readonly string[] },
) => Promise<string> {
  const servers: AdminServer[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.close();
  });
  return async (admin, options = {}) => {
    const server = await startAdminServer({
      host: options.host ?? '127.0.0.1',
      ...(options.allowedHosts ? { allowedHosts: options.allowedHosts } : {}),
      port: 0,
      routes: admin.routes,
      log: silentLogger,
    });
    servers.push(server);
    return server.url;
  };
}
