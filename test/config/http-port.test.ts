import { describe, expect, it } from 'vitest';
import { httpPorts, loadConfig } from '../../src/config/index.ts';

const ports = (env: Record<string, string>) => httpPorts(loadConfig(env, { cpus: 2 }));

describe('SLUICE_HTTP_PORT', () => {
  it("unset, tries 4040 and the 15 ports after it, as Spark's UI does", () => {
    expect(ports({})).toEqual({ port: 4040, lastPort: 4055 });
  });

  it('set, is the only port tried', () => {
    expect(ports({ SLUICE_HTTP_PORT: '4040' })).toEqual({ port: 4040, lastPort: 4040 });
    expect(ports({ SLUICE_HTTP_PORT: '9100' })).toEqual({ port: 9100, lastPort: 9100 });
  });

  it('0 leaves the port to the system', () => {
    expect(ports({ SLUICE_HTTP_PORT: '0' })).toEqual({ port: 0, lastPort: 0 });
  });

  it('SLUICE_HTTP_ENABLED turns the admin server off', () => {
    expect(loadConfig({}, { cpus: 2 }).httpEnabled).toBe(true);
    expect(loadConfig({ SLUICE_HTTP_ENABLED: 'false' }, { cpus: 2 }).httpEnabled).toBe(false);
  });
});
