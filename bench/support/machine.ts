import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';

/** One line naming the machine the numbers came from: CPUs, model, memory, Node. */
export function machineLine(): string {
  const model = cpuModel();
  const gib = (totalmem() / 2 ** 30).toFixed(1);
  return `${availableParallelism()} CPUs (nproc), ${model}, ${gib} GiB RAM, Node ${process.version}, ${process.platform}/${process.arch}`;
}

/** lscpu's "Model name" where /proc/cpuinfo has it; os.cpus() otherwise. */
function cpuModel(): string {
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (match?.[1]) return match[1].trim();
  } catch {
    // not Linux
  }
  return cpus()[0]?.model.trim() ?? 'unknown CPU';
}
