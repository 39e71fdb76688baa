import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { nodeVersionProblem } from '../../bin/node-version.js';

const MESSAGE = (version: string) =>
  `SLUICE_NODE: Sluice needs Node.js 22.12 or newer (24 LTS recommended); this is Node.js ${version}. Get it from https://nodejs.org or with a version manager (nvm install 24).`;

// The system's own Node on this kind of machine is 20: what a user who has not installed 24 runs.
const OLD_NODE = ['/usr/bin/node', '/usr/local/bin/node'].find((path) => {
  if (!existsSync(path)) return false;
  const major = Number(spawnSync(path, ['-p', 'process.versions.node.split(".")[0]']).stdout.toString());
  return major > 0 && major < 22;
});

describe('the Node.js version check', () => {
  it('names the version needed, the one running and how to get another', () => {
    expect(nodeVersionProblem('20.19.2')).toBe(MESSAGE('20.19.2'));
    expect(nodeVersionProblem('22.11.9')).toBe(MESSAGE('22.11.9'));
    expect(nodeVersionProblem('18')).toBe(MESSAGE('18'));
    expect(nodeVersionProblem('')).toBe(MESSAGE(''));
  });

  it('lets 22.12 and newer through', () => {
    for (const version of ['22.12.0', '22.18.1', '23.0.0', '24.11.1', '30.0.0-pre']) {
      expect(nodeVersionProblem(version)).toBeUndefined();
    }
  });

  // Skipped only where no Node older than 22 is installed to run the real binary with.
  it.skipIf(OLD_NODE === undefined)('is the one line `sluice` prints on an older Node, exit 1', () => {
    const result = spawnSync(OLD_NODE ?? 'node', ['bin/sluice.js', 'version']);
    const version = spawnSync(OLD_NODE ?? 'node', ['-p', 'process.versions.node'])
      .stdout.toString()
      .trim();
    expect(result.status).toBe(1);
    expect(result.stdout.toString()).toBe('');
    expect(result.stderr.toString()).toBe(`${MESSAGE(version)}\n`);
  });
});
