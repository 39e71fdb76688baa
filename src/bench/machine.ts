// What a benchmark ran on: the CPU model.

import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

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
