import { isSluiceError } from '../errors/index.ts';
import { doctor, sluiceVersion } from './doctor.ts';
import { USAGE } from './usage.ts';

async function main(argv: readonly string[]): Promise<number> {
  const [command] = argv;
  switch (command) {
    case 'doctor': {
      const report = await doctor();
      console.log(JSON.stringify(report));
      return report.kafkajs && report.msgpack && report.workers === 1 ? 0 : 1;
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

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(isSluiceError(error) ? `${error.code}: ${error.message}` : error);
    process.exitCode = 1;
  },
);
