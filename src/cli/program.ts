// The `sluice` command line, on commander: -h/--help everywhere, `sluice help <command>`,
// "did you mean" for a mistyped command, flags refused where a command takes none. Commands with
// flags of their own (produce, topics, lag, tail, bench) are handed their arguments as typed and
// parse them with readFlags, which reports every problem at once (commander stops at the first).

import { Argument, Command, CommanderError, type CommandUnknownOpts } from '@commander-js/extra-typings';
import { UsageError } from './args.ts';
import { type CompletionEntry, completionScript, SHELLS } from './completion.ts';
import { doctor, sluiceVersion } from './doctor.ts';
import { LAG_USAGE, lagCommand } from './lag.ts';
import { produceCommand } from './produce.ts';
import { PRODUCE_USAGE } from './produce-args.ts';
import { runCommand } from './run.ts';
import { TAIL_USAGE, tailCommand } from './tail.ts';
import { TOPICS_SUBCOMMANDS, TOPICS_USAGE, topicsCommand } from './topics.ts';
import { COMPLETION_USAGE, DOCTOR_USAGE, RUN_USAGE, USAGE, VERSION_USAGE } from './usage.ts';

type Handler = (args: readonly string[], env: NodeJS.ProcessEnv) => Promise<number>;
type OwnFlags = { readonly handler: Handler; readonly usage: string; readonly words?: readonly string[] };

/** The commands that parse their own flags; each answers its own --help. */
const OWN_FLAG_COMMANDS: Readonly<Record<string, () => Promise<OwnFlags>>> = {
  produce: async () => ({ handler: produceCommand, usage: PRODUCE_USAGE }),
  topics: async () => ({ handler: topicsCommand, usage: TOPICS_USAGE, words: TOPICS_SUBCOMMANDS }),
  lag: async () => ({ handler: lagCommand, usage: LAG_USAGE }),
  tail: async () => ({ handler: tailCommand, usage: TAIL_USAGE }),
  // Loaded only for this command (and completion): the benchmark brings a charting library.
  bench: async () => {
    const { benchCommand, BENCH_USAGE } = await import('./bench.ts');
    return { handler: benchCommand, usage: BENCH_USAGE };
  },
};

const LEAF_COMPLETIONS: Readonly<Record<string, CompletionEntry>> = {
  run: { usage: RUN_USAGE },
  doctor: { usage: DOCTOR_USAGE },
  completion: { usage: COMPLETION_USAGE, words: SHELLS },
  version: { usage: VERSION_USAGE },
};

/**
 * Runs `sluice <argv>` and resolves to the exit code. A usage mistake throws a `UsageError`
 * (SLUICE_USAGE, exit 2); the commands' own errors pass through.
 *
 * @example
 * await sluice(['rn'], process.env); // throws SLUICE_USAGE: unknown command "rn"; did you mean run?
 */
export async function sluice(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  let code = 0;
  const program = sluiceProgram(env, (exit) => {
    code = exit;
  });
  try {
    const names = program.commands.map((command) => command.name());
    await program.parseAsync(asHelpFlag(argv, names), { from: 'user' });
    return code;
  } catch (error) {
    // Help and --version end the parse with a CommanderError of exit code 0.
    if (error instanceof CommanderError && error.exitCode === 0) return 0;
    throw error;
  }
}

/** The program; each command's action hands its exit code to `exit`. */
function sluiceProgram(env: NodeJS.ProcessEnv, exit: (code: number) => void): CommandUnknownOpts {
  const program = withHelp(new Command('sluice'), USAGE)
    .enablePositionalOptions()
    .helpCommand(false)
    .version(sluiceVersion(), '--version')
    .configureOutput({
      writeOut: (text) => process.stdout.write(text),
      writeErr: (text) => process.stderr.write(text),
      // Every error becomes a UsageError, printed once by main.
      outputError: () => {},
    });
  withHelp(program.command('run'), RUN_USAGE)
    .argument('[job]')
    .action(async (job) => exit(await runCommand(job === undefined ? [] : [job], env)));
  for (const [name, load] of Object.entries(OWN_FLAG_COMMANDS)) {
    program
      .command(name)
      .helpOption(false)
      .passThroughOptions()
      .allowUnknownOption()
      .allowExcessArguments()
      .argument('[args...]')
      .action(async (args) => exit(await (await load()).handler(args, env)));
  }
  withHelp(program.command('doctor'), DOCTOR_USAGE).action(async () => {
    const report = await doctor(env);
    console.log(JSON.stringify(report));
    exit(report.kafkajs && report.msgpack && report.workers === 1 && report.codecs ? 0 : 1);
  });
  withHelp(program.command('completion'), COMPLETION_USAGE)
    .addArgument(new Argument('<shell>').choices(SHELLS))
    .action(async (shell) => console.log(completionScript(shell, await completions(program))));
  withHelp(program.command('version'), VERSION_USAGE).action(() => console.log(sluiceVersion()));
  return program;
}

/**
 * `sluice help <command>` is `sluice <command> --help`; `sluice` and `sluice help` are `sluice
 * --help`; `sluice help <typo>` is `sluice <typo>`, for its "did you mean".
 */
function asHelpFlag(argv: readonly string[], names: readonly string[]): string[] {
  const [first, second] = argv;
  if (first === undefined) return ['--help'];
  if (first !== 'help') return [...argv];
  if (second === undefined || second === 'help') return ['--help'];
  return names.includes(second) ? [second, '--help'] : [second];
}

/** `command` printing `usage` for -h/--help, and throwing its mistakes as a UsageError naming it. */
function withHelp<C extends CommandUnknownOpts>(command: C, usage: string): C {
  command.configureHelp({ formatHelp: () => `${usage}\n` });
  command.exitOverride((error) => {
    throw error.exitCode === 0 ? error : new UsageError([usageProblem(error, command)]);
  });
  return command;
}

/** What completes after each command, in the program's order, and the command names after `help`. */
async function completions(program: CommandUnknownOpts): Promise<Record<string, CompletionEntry>> {
  const names = program.commands.map((command) => command.name());
  const entries: Record<string, CompletionEntry> = {};
  for (const name of names) {
    const load = OWN_FLAG_COMMANDS[name];
    const own = load === undefined ? undefined : await load();
    const entry = own ?? LEAF_COMPLETIONS[name];
    if (entry !== undefined) entries[name] = entry.words === undefined ? { usage: entry.usage } : entry;
  }
  entries.help = { usage: '', words: names };
  return entries;
}

/**
 * Commander's error as our one-line problem, e.g. `unknown command "rn"; did you mean run?` or
 * `unknown flag --json for sluice doctor; allowed: -h, --help`.
 */
export function usageProblem(error: CommanderError, command: CommandUnknownOpts): string {
  const text = error.message.replace(/^error: /, '');
  const suggestion = /\n\(Did you mean (.+)\?\)$/.exec(text)?.[1];
  const first = text.split('\n', 1)[0] ?? text;
  const quoted = /'(.*?)'/.exec(first)?.[1] ?? '';
  const parent = command.parent === null;
  const where = parent ? 'sluice' : `sluice ${command.name()}`;
  switch (error.code) {
    case 'commander.unknownCommand': {
      const names = [...command.commands.map((sub) => sub.name()), 'help'].join(', ');
      return suggestion === undefined
        ? `unknown command ${JSON.stringify(quoted)}; the commands: ${names}`
        : `unknown command ${JSON.stringify(quoted)}; did you mean ${suggestion}?`;
    }
    case 'commander.unknownOption': {
      const allowed = ['-h, --help', ...command.options.map((option) => option.flags)].join(', ');
      const hint = suggestion === undefined ? '' : `; did you mean ${suggestion}?`;
      return `unknown flag ${quoted} for ${where}; allowed: ${allowed}${hint}`;
    }
    case 'commander.excessArguments': {
      const most = command.registeredArguments.length;
      const got = command.args.map((arg) => JSON.stringify(arg)).join(', ');
      return `${where} takes ${most === 0 ? 'no arguments' : `at most ${most} argument${most === 1 ? '' : 's'}`}; got ${got}`;
    }
    default:
      return `${where}: ${first}`;
  }
}
