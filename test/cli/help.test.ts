// Help and discovery (issue 14): every command answers --help and `regionctl help COMMAND`
// with exit 0, lists every flag its parser accepts (each with a description), and `run`
// lists every REGIONCTL_* setting the code reads; typos get a "did you mean".
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCliSync } from '../support/cli.js';

const COMMANDS = ['validate', 'diff', 'plan', 'apply', 'add-region', 'drain-region', 'remove-region', 'prune-regionset', 'run'];

function flagsIn(help: string): string[] {
  return [...new Set([...help.matchAll(/(?:^|\s|\[)--([a-z][a-z-]*)/g)].map((m) => m[1]!))].sort();
}

/** Source files under a folder, recursively. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('regionctl COMMAND --help', () => {
  for (const command of COMMANDS) {
    it(`${command} --help and help ${command} exit 0 and print the same options, all described`, () => {
      const direct = runCliSync([command, '--help']);
      const viaHelp = runCliSync(['help', command]);
      expect(direct.code).toBe(0);
      expect(direct.stderr).toBe('');
      expect(viaHelp.code).toBe(0);
      expect(viaHelp.stdout).toBe(direct.stdout);
      expect(direct.stdout).not.toContain('(undocumented)');
      expect(flagsIn(direct.stdout).length).toBeGreaterThan(0);
    });

    it(`${command}: every flag the help lists is accepted by its parser, and an unlisted one is refused`, () => {
      const listed = flagsIn(runCliSync([command, '--help']).stdout).filter((flag) => flag !== 'help');
      for (const flag of listed) {
        // Accepted flags fail later for other reasons (a missing FILE), never as an unknown option.
        const run = runCliSync([command, `--${flag}`, 'x', '--no-such-flag-at-all'], { timeoutMs: 20_000 });
        expect(run.stderr, `--${flag}`).not.toMatch(new RegExp(`nknown option '?--${flag}\\b`));
      }
      const unknown = runCliSync([command, '--no-such-flag-at-all'], { timeoutMs: 20_000 });
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toMatch(/nknown option/);
      expect(unknown.stderr).not.toMatch(/\n\s+at /);
    });
  }

  it('run --help lists every REGIONCTL_* setting the code reads, with the defaults', () => {
    const help = runCliSync(['run', '--help']).stdout;
    const read = new Set(sources('controller').flatMap((file) => [...readFileSync(file, 'utf8').matchAll(/\bREGIONCTL_[A-Z][A-Z_]*[A-Z]\b/g)].map((m) => m[0])));
    expect(read.size).toBeGreaterThan(20);
    for (const variable of read) expect(help, variable).toContain(variable);
    expect(help).toContain('REGIONCTL_LISTEN');
    expect(help).toMatch(/REGIONCTL_LISTEN\s+HTTP address \[0\.0\.0\.0:8080\]/);
  });

  it('typos get a "did you mean": an unknown command and an unknown flag, one line each, exit 1', () => {
    const command = runCliSync(['difff', 'x.yaml']);
    expect(command.code).toBe(1);
    expect(command.stderr).toBe('regionctl: unknown command "difff"; did you mean "diff"? Run "regionctl --help" for the list of commands.\n');
    const flag = runCliSync(['diff', 'x.yaml', '--detailed-exitcod']);
    expect(flag.code).toBe(1);
    expect(flag.stderr).toContain('unknown option --detailed-exitcod; did you mean --detailed-exitcode?');
    expect(flag.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('plan is diff, and --version prints the package version', () => {
    const version = JSON.parse(readFileSync('package.json', 'utf8')).version as string;
    expect(runCliSync(['--version']).stdout).toBe(`regionctl ${version}\n`);
    expect(runCliSync(['plan', '--help']).stdout).toBe(runCliSync(['diff', '--help']).stdout);
  });
});
