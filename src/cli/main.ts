// The `sluice` command's entry point: dispatches to run, produce, topics, lag, tail, doctor and version.

import { inspect } from 'node:util';
import { isSluiceError, redactText } from '../errors/index.ts';
import { ignoreKafkajsTimeoutWarning } from '../kafka/index.ts';
import { doctor, sluiceVersion } from './doctor.ts';
import { lagCommand } from './lag.ts';
import { produceCommand } from './produce.ts';
import { runCommand } from './run.ts';
import { tailCommand } from './tail.ts';
import { topicsCommand } from './topics.ts';
import { USAGE } from './usage.ts';

ignoreKafkajsTimeoutWarning();
process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...args] = argv;
  switch (command) {
    case 'run':
      return runCommand(args, process.env);
    case 'produce':
      return produceCommand(args, process.env);
    case 'topics':
      return topicsCommand(args, process.env);
    case 'lag':
      return lagCommand(args, process.env);
    case 'tail':
      return tailCommand(args, process.env);
    case 'bench': {
      // Loaded only for this command: the benchmark brings a charting library.
      const { benchCommand } = await import('./bench.ts');
      return benchCommand(args, process.env);
    }
    case 'doctor': {
      const report = await doctor();
      console.log(JSON.stringify(report));
      return report.kafkajs && report.msgpack && report.workers === 1 && report.codecs ? 0 : 1;
    }
    case 'version':
    case '--version':
      console.log(sluiceVersion());
      return 0;
    case 'help':
    case '--help':
    case undefined:
      console.log(USAGE);
      return 0;
    default:
      console.error(`SLUICE_USAGE: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

/**
 * Once a command is done, a client still reconnecting in the background (kafkajs after a broker
 * outage, say) must not keep the process alive: an orchestrator restarts a process that exits, not
 * one that lingers after its error.
 */
const EXIT_GRACE_MS = 2_000;

main(process.argv.slice(2))
  .then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      // A SluiceError's message is redacted already; anything else may quote a URL or a secret.
      console.error(isSluiceError(error) ? `${error.code}: ${error.message}` : redactText(inspect(error)));
      // Bad configuration or usage is the operator's to fix: exit 2, like a usage error.
      process.exitCode =
        isSluiceError(error, 'SLUICE_CONFIG_INVALID') || isSluiceError(error, 'SLUICE_USAGE') ? 2 : 1;
    },
  )
  .finally(() => setTimeout(() => process.exit(), EXIT_GRACE_MS).unref());
