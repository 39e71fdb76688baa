// The piscina entry of a worker slot: builds the job from workerData and hands each task to a TaskRunner.
import { move, workerData } from 'piscina';
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
    return output instanceof Uint8Array ? move(output) : output;
  } catch (error) {
    throw slotErrorData(error);
  }
}
