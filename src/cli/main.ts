// The `sluice` command's entry point: runs the command line (program.ts) and turns errors into exit codes.

import { inspect } from 'node:util';
import { isSluiceError, redactText } from '../errors/index.ts';
import { ignoreKafkajsTimeoutWarning } from '../kafka/index.ts';
import { sluice } from './program.ts';

ignoreKafkajsTimeoutWarning();
process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';

/**
 * Once a command is done, a client still reconnecting in the background (kafkajs after a broker
 * outage, say) must not keep the process alive: an orchestrator restarts a process that exits, not
 * one that lingers after its error.
 */
const EXIT_GRACE_MS = 2_000;

sluice(process.argv.slice(2), process.env)
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
