import { availableParallelism, totalmem } from 'node:os';
import { cpuModel } from '../../src/bench/index.ts';

/** One line naming the machine the numbers came from: CPUs, model, memory, Node. */
export function machineLine(): string {
  const model = cpuModel();
  const gib = (totalmem() / 2 ** 30).toFixed(1);
  return `${availableParallelism()} CPUs (nproc), ${model}, ${gib} GiB RAM, Node ${process.version}, ${process.platform}/${process.arch}`;
}
