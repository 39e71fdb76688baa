import { existsSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';

const TOOLS = ['initdb', 'pg_ctl', 'postgres'] as const;
const DEBIAN_ROOT = '/usr/lib/postgresql';

function hasTools(dir: string): boolean {
  return TOOLS.every((tool) => existsSync(join(dir, tool)));
}

/**
 * The folder holding initdb, pg_ctl and postgres: on PATH, or Debian's /usr/lib/postgresql/<n>/bin
 * (the newest), which Debian keeps off PATH. Undefined when PostgreSQL is not installed.
 */
export function postgresBinDir(path = process.env.PATH ?? ''): string | undefined {
  const onPath = path.split(delimiter).find((dir) => dir !== '' && hasTools(dir));
  if (onPath) return onPath;
  if (!existsSync(DEBIAN_ROOT)) return undefined;
  const versions = readdirSync(DEBIAN_ROOT)
    .filter((name) => /^\d+$/.test(name))
    .sort((a, b) => Number(b) - Number(a));
  return versions.map((version) => join(DEBIAN_ROOT, version, 'bin')).find(hasTools);
}
