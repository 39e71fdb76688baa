import { readFileSync } from 'node:fs';
import { uniqueName } from './kafka.ts';

const repo = new URL('../../', import.meta.url).pathname;

/**
 * The ```sh block of examples/<app>/README.md, each of `names` (topics, groups) replaced by a
 * fresh one, and its paths made absolute; with the fresh names, by old name.
 */
export function readmeCommands(
  app: string,
  names: readonly string[],
): { commands: string; renamed: Record<string, string> } {
  const text = readFileSync(`${repo}examples/${app}/README.md`, 'utf8');
  const blocks = text.split('```sh\n').slice(1);
  if (blocks.length !== 1) throw new Error(`examples/${app}/README.md has ${blocks.length} sh blocks, not 1`);
  let commands = (blocks[0] ?? '').split('\n```')[0] ?? '';
  commands = commands.replaceAll(' examples/', ` ${repo}examples/`);
  const renamed: Record<string, string> = {};
  // Longer names first: access-logs.dlq before access-logs.
  for (const name of [...names].sort((a, b) => b.length - a.length)) {
    const fresh = uniqueName(name);
    renamed[name] = fresh;
    const escaped = name.replaceAll('.', '\\.');
    commands = commands.replace(new RegExp(`(?<=[ =])${escaped}(?=[\\s;]|$)`, 'gm'), fresh);
  }
  return { commands, renamed };
}
