// What a benchmark ran on: the CPU model and Sluice's version.

import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

/** Sluice's version, from its package.json. */
export function sluiceVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version?: string;
  };
  return manifest.version ?? 'unknown';
}

/** The CPU's model name: /proc/cpuinfo's where Linux has it, os.cpus() otherwise. */
export function cpuModel(): string {
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (match?.[1]) return match[1].trim();
  } catch {
    // not Linux
  }
  return cpus()[0]?.model.trim() ?? 'unknown CPU';
}
