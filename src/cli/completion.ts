// `sluice completion bash|zsh`: a completion script for the commands, their words and their
// flags, the flags read from each command's help text so that the two cannot drift apart.

export const SHELLS = ['bash', 'zsh'] as const;
export type Shell = (typeof SHELLS)[number];

/** What completes after a command: its flags, and the words that may be its first argument. */
export type CompletionEntry = { readonly usage: string; readonly words?: readonly string[] };

const FLAG = /(?<![\w-])--[a-z][a-z\d-]*/g;

/** The `--flags` a help text names, in order, each once, and `-h`. */
export function flagsOf(usage: string): string[] {
  return [...new Set([...usage.matchAll(FLAG)].map((match) => match[0])), '-h'];
}

/**
 * The script for `shell`. Flags complete after `-`; a command's words (topics' subcommands, the
 * shells, the commands after `help`) as its first argument; anything else falls back to file names
 * (a job module, a --from-file).
 *
 * @example
 * completionScript('bash', { run: { usage: 'usage: sluice run [job]\n  -h, --help' } });
 */
export function completionScript(shell: Shell, commands: Readonly<Record<string, CompletionEntry>>): string {
  const names = Object.keys(commands);
  const cases = Object.entries(commands).map(
    ([name, entry]) =>
      `    ${name}) flags=${quote(flagsOf(entry.usage).join(' '))}; words=${quote((entry.words ?? []).join(' '))} ;;`,
  );
  const bash = `# sluice completion for ${shell}: source <(sluice completion ${shell})
_sluice() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" flags="" words=""
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W ${quote(`${names.join(' ')} -h --help --version`)} -- "$cur"))
    return
  fi
  case "\${COMP_WORDS[1]}" in
${cases.join('\n')}
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$flags" -- "$cur"))
  elif [ "$COMP_CWORD" -eq 2 ] && [ -n "$words" ]; then
    COMPREPLY=($(compgen -W "$words" -- "$cur"))
  else
    COMPREPLY=()
  fi
}
complete -o default -F _sluice sluice`;
  // zsh runs bash completion functions through its bashcompinit layer.
  return shell === 'zsh' ? `autoload -U +X bashcompinit && bashcompinit\n${bash}` : bash;
}

/** A single-quoted shell word; the texts are ours, but a quote in one must not end the word. */
function quote(text: string): string {
  return `'${text.replaceAll("'", "'\\''")}'`;
}
