// Help and discovery (issue 14 item 1): every command answers --help and `help COMMAND`
// with every flag its parser accepts (taken from the parser's own option table, and checked
// against the parser both ways), `run` lists every REGIONCTL_* variable the code or the
// README mentions with its default, --version, "did you mean", `plan` = `diff`, and bash/zsh
// completion generated from the same table.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCommandArgs } from '../../controller/commands/args.js';
import { ALIASES, COMMANDS, type CommandName } from '../../controller/commands/table.js';
import { REPO_ROOT, runCliSync, sandboxFlags } from '../support/cli.js';

const commands = Object.keys(COMMANDS) as CommandName[];
const dir = mkdtempSync(join(tmpdir(), 'regionctl-help-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The flags a help page lists in its Options section. */
function listedFlags(help: string): string[] {
  const options = help.slice(help.indexOf('\nOptions:\n'), help.indexOf('\n\n', help.indexOf('\nOptions:\n') + 2));
  return [...options.matchAll(/^\s+(?:-\w, )?--([a-z-]+)/gm)].map((match) => match[1]!).sort();
}

/** Whether the command's parser accepts `--flag` (with a value when it takes one). */
function parserAccepts(command: CommandName, flag: string): boolean {
  try {
    parseCommandArgs(command, [`--${flag}`, 'value']);
    return true;
  } catch (error) {
    if (/unknown option/.test((error as Error).message)) return false;
    return true; // a value error: the flag itself was accepted
  }
}

describe('regionctl COMMAND --help', () => {
  it.each(commands)('%s: COMMAND --help and help COMMAND exit 0, the same page, listing exactly the flags the parser accepts', (command) => {
    const viaFlag = runCliSync([command, '--help']);
    const viaHelp = runCliSync(['help', command]);
    const viaShort = runCliSync([command, '-h']);
    expect(viaFlag.code).toBe(0);
    expect(viaHelp.code).toBe(0);
    expect(viaFlag.stderr).toBe('');
    expect(viaHelp.stdout).toBe(viaFlag.stdout);
    expect(viaShort.stdout).toBe(viaFlag.stdout);
    expect(viaFlag.stdout).toContain(`regionctl ${command}`);

    const parserFlags = Object.keys(COMMANDS[command].flags);
    expect(listedFlags(viaFlag.stdout)).toEqual([...parserFlags, 'help'].sort());
    for (const flag of parserFlags) expect(parserAccepts(command, flag), `--${flag} accepted by the ${command} parser`).toBe(true);
    for (const [name, flag] of Object.entries(COMMANDS[command].flags) as Array<[string, { short?: string; help: string }]>) {
      const line = viaFlag.stdout.split('\n').find((text) => text.includes(`--${name}`) && text.includes(flag.help));
      expect(line, `--${name} has its one-line description`).toBeDefined();
      if (flag.short) expect(line).toContain(`-${flag.short}, --${name}`);
    }
    expect(parserAccepts(command, 'no-such-flag')).toBe(false);
  });

  it('an alias shows the page of its command', () => {
    for (const [alias, command] of Object.entries(ALIASES)) {
      expect(runCliSync([alias, '--help']).stdout).toBe(runCliSync([command, '--help']).stdout);
    }
  });

  it('regionctl --help lists every command with its summary, and help with no command exits 0', () => {
    const overview = runCliSync(['--help']);
    expect(overview.code).toBe(0);
    for (const command of commands) expect(overview.stdout).toMatch(new RegExp(`^  ${command} +${escape(COMMANDS[command].summary)}$`, 'm'));
    expect(runCliSync(['help']).stdout).toBe(overview.stdout);
    expect(runCliSync([]).code).toBe(1);
  });
});

describe('regionctl run --help: the configuration variables', () => {
  const help = runCliSync(['run', '--help']).stdout;
  const lines = help.split('\n');

  /** Every REGIONCTL_* name written in the controller's source or the README. */
  function mentionedVariables(): Set<string> {
    const names = new Set<string>();
    const visit = (path: string) => {
      if (statSync(path).isDirectory()) return readdirSync(path).forEach((entry) => visit(join(path, entry)));
      if (!/\.(ts|md)$/.test(path)) return;
      for (const [name] of readFileSync(path, 'utf8').matchAll(/REGIONCTL_[A-Z0-9_]*[A-Z0-9]/g)) names.add(name);
    };
    visit(join(REPO_ROOT, 'controller'));
    visit(join(REPO_ROOT, 'README.md'));
    return names;
  }

  it('lists every REGIONCTL_* variable the code and the README mention', () => {
    const listed = new Set([...help.matchAll(/^  (REGIONCTL_[A-Z0-9_]+)/gm)].map((match) => match[1]!));
    const missing = [...mentionedVariables()].filter((name) => !listed.has(name));
    expect(missing).toEqual([]);
  });

  it('gives each variable its default and its flag, as the parser reads them', () => {
    for (const variable of COMMANDS.run.env) {
      const line = lines.find((text) => text.startsWith(`  ${variable.name} `));
      expect(line, variable.name).toBeDefined();
      if ('default' in variable) expect(line).toContain(`default: ${variable.default}`);
      if ('flag' in variable) {
        expect(line).toContain(`(--${variable.flag})`);
        expect(Object.keys(COMMANDS.run.flags)).toContain(variable.flag);
      }
    }
    // The defaults stated in run.ts's header are the ones the help gives.
    const header = readFileSync(join(REPO_ROOT, 'controller/commands/run.ts'), 'utf8');
    expect(header).toContain("DEFAULT_LISTEN = '0.0.0.0:8080'");
    expect(lines.find((text) => text.startsWith('  REGIONCTL_LISTEN '))).toContain('default: 0.0.0.0:8080');
    expect(header).toContain("DEFAULT_MANIFEST_GLOB = 'manifests/*.yaml'");
    expect(lines.find((text) => text.startsWith('  REGIONCTL_MANIFESTS '))).toContain('default: manifests/*.yaml');
  });
});

describe('version, did you mean, plan', () => {
  it('--version prints the version in package.json', () => {
    const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    const run = runCliSync(['--version']);
    expect(run).toMatchObject({ code: 0, stdout: `regionctl ${version}\n` });
    expect(runCliSync(['--version'], { fromSource: true }).stdout).toBe(`regionctl ${version}\n`);
  });

  it('a mistyped command gets one line naming the nearest command, exit 1', () => {
    const run = runCliSync(['dif', 'manifests/global-api.yaml']);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('regionctl: unknown command "dif"; did you mean "diff"? Run "regionctl --help" for the list of commands.\n');
    expect(runCliSync(['prune-regionsets']).stderr).toContain('did you mean "prune-regionset"?');
    expect(runCliSync(['help', 'aply']).stderr).toContain('did you mean "apply"?');
    const far = runCliSync(['kubectl']);
    expect(far.code).toBe(1);
    expect(far.stderr).not.toContain('did you mean');
  });

  it('a mistyped flag gets one line naming the nearest flag of that command, exit 1', () => {
    const run = runCliSync(['diff', 'manifests/global-api.yaml', '--detailed-exit-code']);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('regionctl diff: unknown option --detailed-exit-code; did you mean --detailed-exitcode? Run "regionctl diff --help" for its options.\n');
    expect(runCliSync(['apply', 'm.yaml', '--sandbox-sped', '5']).stderr).toContain('did you mean --sandbox-speed?');
    expect(runCliSync(['run', '--lsiten', ':0']).stderr).toContain('did you mean --listen?');
    expect(runCliSync(['validate', 'm.yaml', '--outptu', 'json']).stderr).toContain('did you mean --output?');
    // A flag of another command is not suggested: validate has no --yes.
    const other = runCliSync(['validate', 'm.yaml', '--yes']);
    expect(other.code).toBe(1);
    expect(other.stderr).not.toContain('did you mean');
  });

  it('plan is diff: the same plan, the same exit code', () => {
    const state = join(dir, 'plan-alias.json');
    const diff = runCliSync(['diff', 'manifests/global-api.yaml', '--output', 'json', '--detailed-exitcode', ...sandboxFlags(state)]);
    const plan = runCliSync(['plan', 'manifests/global-api.yaml', '--output', 'json', '--detailed-exitcode', ...sandboxFlags(state)]);
    expect(diff.code).toBe(2);
    expect(plan.code).toBe(2);
    // The same steps (plannedAt and health-check caller references differ from run to run).
    type Steps = { steps: Array<{ id: string }>; refusals: unknown[] };
    const [fromDiff, fromPlan] = [diff, plan].map((run) => JSON.parse(run.stdout) as Steps);
    expect(fromPlan!.steps.length).toBeGreaterThan(0);
    expect(fromPlan!.steps.map((step) => step.id)).toEqual(fromDiff!.steps.map((step) => step.id));
    expect(fromPlan!.refusals).toEqual(fromDiff!.refusals);
  });
});

describe('regionctl completion', () => {
  const bash = runCliSync(['completion', 'bash']);
  /** What bash completes for the words typed so far (the last one being completed). */
  function complete(...words: string[]): string[] {
    const file = join(dir, 'completion.bash');
    writeFileSync(file, bash.stdout);
    const script = `source '${file}'; COMP_WORDS=(${words.map((word) => `'${word}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _regionctl; printf '%s\\n' "\${COMPREPLY[@]}"`;
    return execFileSync('bash', ['-c', script], { encoding: 'utf8', cwd: dir }).split('\n').filter(Boolean).sort();
  }

  it('bash: completes the commands and, for each command, exactly its flags', () => {
    expect(bash.code).toBe(0);
    expect(complete('regionctl', 'dr')).toEqual(['drain', 'drain-region']);
    expect(complete('regionctl', 'pl')).toEqual(['plan']);
    for (const command of [...commands, ...Object.keys(ALIASES)]) {
      const flags = Object.keys(COMMANDS[ALIASES[command] ?? (command as CommandName)].flags).map((flag) => `--${flag}`);
      expect(complete('regionctl', command, '--'), command).toEqual([...flags, '--help'].sort());
    }
    expect(complete('regionctl', 'completion', '')).toEqual(['bash', 'zsh']);
  });

  it('zsh: describes every command and gives each its flags', () => {
    const zsh = runCliSync(['completion', 'zsh']);
    expect(zsh.code).toBe(0);
    expect(zsh.stdout.startsWith('#compdef regionctl\n')).toBe(true);
    for (const command of commands) {
      expect(zsh.stdout).toContain(`    '${command}:`);
      const line = zsh.stdout.split('\n').find((text) => text.trimStart().startsWith(`${command}) `) || text.trimStart().startsWith(`${command}|`));
      expect(line, command).toBeDefined();
      for (const flag of Object.keys(COMMANDS[command].flags)) expect(line).toMatch(new RegExp(`'\\*?--${flag}\\[`));
    }
    const shell = spawnSync('zsh', ['-n'], { input: zsh.stdout, encoding: 'utf8' });
    // zsh is not on every machine; where it is, the script must parse.
    if (!shell.error) expect(shell.status, shell.stderr).toBe(0);
  });

  it('an unknown shell is one line and exit 1', () => {
    const run = runCliSync(['completion', 'fish']);
    expect(run.code).toBe(1);
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
