// The piscina entry of a worker slot: builds the job from workerData and hands each task to a TaskRunner.
import { move, transferableSymbol, valueSymbol, workerData } from 'piscina';
import { buildGraph, importJob } from '../dsl/index.ts';
import { slotErrorData } from '../errors/index.ts';
import type { SlotTask, WorkerInit } from './protocol.ts';
import { TaskRunner } from './task-runner.ts';

const init = workerData as WorkerInit;
const runner = new TaskRunner(init, buildGraph(await importJob(init.jobPath), init.env));

/**
 * Runs one task (a job with asynchronous operators' batches settle later); bytes (a batch's result, a state run, a snapshot) cross back transferred, not
 * cloned, and a failure as plain data with its code, stack and causes.
 */
export default function runTask(task: SlotTask): unknown {
  try {
    const output = runner.run(task);
    if (output instanceof Promise) {
      return output.then(move, (error: unknown) => {
        throw slotErrorData(error);
      });
    }
    if (output instanceof Uint8Array) return move(output);
    // A window snapshot: its bytes are transferred too, its sizes cloned with them.
    if (output && 'state' in output && output.state instanceof Uint8Array)
      return move({ [transferableSymbol]: output.state.buffer, [valueSymbol]: output });
    return output;
  } catch (error) {
    throw slotErrorData(error);
  }
}
