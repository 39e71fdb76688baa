// Issue 19, item 3: the command line's help, suggestions and refusals, as a user types them.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { COMPLETION_USAGE, DOCTOR_USAGE, RUN_USAGE, USAGE } from '../../src/cli/usage.ts';
import { configOptions } from '../../src/config/index.ts';

type Result = { readonly code: number | null; readonly stdout: string; readonly stderr: string };

function sluice(args: readonly string[], env: Record<string, string> = {}): Result {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('SLUICE_')),
  );
  const result = spawnSync(process.execPath, ['bin/sluice.js', ...args], {
    env: { ...clean, ...env },
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const ok = (text: string): Result => ({ code: 0, stdout: `${text}\n`, stderr: '' });
const usage = (problem: string): Result => ({ code: 2, stdout: '', stderr: `SLUICE_USAGE: ${problem}\n` });

describe('sluice help', () => {
  it('-h, --help, help and no command print the commands, exit 0', () => {
    for (const args of [['-h'], ['--help'], ['help'], []]) expect(sluice(args)).toEqual(ok(USAGE));
  });

  it("run --help, run -h and help run print run's help without loading a job", () => {
    // A job that cannot load would fail the run: help must not get that far.
    const env = { SLUICE_JOB: '/nonexistent/job.ts' };
    for (const args of [
      ['run', '--help'],
      ['run', '-h'],
      ['help', 'run'],
      ['run', '/nonexistent/job.ts', '--help'],
    ]) {
      expect(sluice(args, env)).toEqual(ok(RUN_USAGE));
    }
  });

  it("run's help names the main SLUICE_* groups, each variable a real one, and points to docs/configuration.md", () => {
    for (const group of ['brokers, topics', 'job', 'trigger', 'workers', 'checkpoints', 'outputs', 'admin']) {
      expect(RUN_USAGE).toMatch(new RegExp(`^  ${group} +SLUICE_`, 'm'));
    }
    expect(RUN_USAGE).toContain('docs/configuration.md');
    const known = Object.values(configOptions({ cpus: 1 })).map((option) => option.env);
    // `SLUICE_KAFKA_SSL*` stands for the variables that start so.
    const named = [...RUN_USAGE.matchAll(/(SLUICE_[A-Z_]*[A-Z])(\*?)/g)];
    expect(named.length).toBeGreaterThan(25);
    const unknown = named.filter(([, name = '', star]) =>
      star ? !known.some((env) => env.startsWith(name)) : !known.includes(name),
    );
    expect(unknown.map((match) => match[0])).toEqual([]);
  });

  it('doctor --help prints its help; a flag or argument doctor does not take is refused, exit 2', () => {
    expect(sluice(['doctor', '--help'])).toEqual(ok(DOCTOR_USAGE));
    expect(sluice(['help', 'doctor'])).toEqual(ok(DOCTOR_USAGE));
    expect(sluice(['doctor', '--json'])).toEqual(
      usage('unknown flag --json for sluice doctor; allowed: -h, --help'),
    );
    expect(sluice(['doctor', 'now'])).toEqual(usage('sluice doctor takes no arguments; got "now"'));
  });

  it('a mistyped command gets a "did you mean", an unknown one the list of commands, exit 2', () => {
    expect(sluice(['rn'])).toEqual(usage('unknown command "rn"; did you mean run?'));
    expect(sluice(['help', 'tial'])).toEqual(usage('unknown command "tial"; did you mean tail?'));
    expect(sluice(['frobnicate'])).toEqual(
      usage(
        'unknown command "frobnicate"; the commands: run, produce, topics, lag, tail, bench, doctor, completion, version, help',
      ),
    );
    expect(sluice(['run', 'a.ts', 'b.ts'])).toEqual(
      usage('sluice run takes at most 1 argument; got "a.ts", "b.ts"'),
    );
    expect(sluice(['run', '--workers', '2'])).toEqual(
      usage('unknown flag --workers for sluice run; allowed: -h, --help'),
    );
  });

  it('the commands with flags of their own still report every problem at once', () => {
    expect(sluice(['produce', '--cont', '5', '--rate', 'x'], { SLUICE_BROKERS: '127.0.0.1:1' })).toEqual(
      usage(
        [
          'unknown flag --cont; allowed: --topic, --count, --rate, --duration-ms, --partitions, --partitioner, --key, --seed, --compression, --batch-size, --create, --header, --from-file, --format, --key-field, --key-separator, --on-error, --scenario, --inject, --help',
          '--topic is required',
          '--rate must be an integer >= 1; got "x"',
        ].join('\n'),
      ),
    );
  });
});

describe('sluice completion', () => {
  it('bash: completes commands, subcommands and flags read from the help texts', () => {
    const script = sluice(['completion', 'bash']);
    expect(script.code).toBe(0);
    const complete = (line: string): string => {
      const probe = `${script.stdout}
read -ra COMP_WORDS <<< ${JSON.stringify(line)}
[[ ${JSON.stringify(line)} == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 ))
_sluice
echo "\${COMPREPLY[*]}"`;
      return spawnSync('bash', ['-c', probe], { encoding: 'utf8' }).stdout.trim();
    };
    expect(complete('sluice pr')).toBe('produce');
    expect(complete('sluice tail clicks --from')).toBe('--from-beginning');
    expect(complete('sluice topics ')).toBe('list describe create');
    expect(complete('sluice help d')).toBe('doctor');
    expect(complete('sluice completion ')).toBe('bash zsh');
  });

  it('zsh: the bash function through bashcompinit; another shell is refused', () => {
    expect(sluice(['completion', 'zsh']).stdout).toMatch(/^autoload -U \+X bashcompinit && bashcompinit\n/);
    expect(sluice(['completion', '--help'])).toEqual(ok(COMPLETION_USAGE));
    expect(sluice(['completion', 'fish'])).toEqual(
      usage(
        "sluice completion: command-argument value 'fish' is invalid for argument 'shell'. Allowed choices are bash, zsh.",
      ),
    );
  });
});
