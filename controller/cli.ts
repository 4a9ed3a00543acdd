// The CLI: dist/regionctl.mjs (controller/regionctl.ts) loads it once the compile cache is on;
// tests also run it through tsx. Parses the command name and loads only that command's module, so that
// `validate` and `diff --sandbox` never load the AWS SDK (cold start matters). Help,
// "did you mean" and completion come from the command table (commands/table.ts).

import { closest } from './commands/args.js';
import { ALIASES, COMMANDS, isCommandName, type CommandName } from './commands/table.js';

type CommandModule = { main(argv: string[]): Promise<number> };

const LOADERS: Record<CommandName, () => Promise<CommandModule>> = {
  validate: () => import('./commands/validate.js'),
  diff: () => import('./commands/diff.js'),
  apply: () => import('./commands/apply.js'),
  'add-region': () => regionEdit('add-region'),
  'drain-region': () => regionEdit('drain-region'),
  'remove-region': () => regionEdit('remove-region'),
  run: () => import('./commands/run.js'),
  'prune-regionset': () => import('./commands/prune.js'),
  suspend: () => controlCommand('suspend'),
  resume: () => controlCommand('resume'),
  history: () => controlCommand('history'),
  drain: () => import('./commands/drain.js'),
  status: () => import('./commands/status.js'),
  'sync-window': () => controlCommand('sync-window'),
};

/** suspend, resume, history and sync-window share one module (they talk to a running controller). */
async function controlCommand(command: 'suspend' | 'resume' | 'history' | 'sync-window'): Promise<CommandModule> {
  const { main } = await import('./commands/control.js');
  return { main: (argv) => main(command, argv) };
}

/** The three region edits share one module; each gets its own main. */
async function regionEdit(command: 'add-region' | 'drain-region' | 'remove-region'): Promise<CommandModule> {
  const { main } = await import('./commands/region-edit.js');
  return { main: (argv) => main(command, argv) };
}

/** --help or -h among the options (not after `--`, where everything is a positional). */
function asksForHelp(argv: string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
}

function resolveCommand(name: string): CommandName | undefined {
  return isCommandName(name) ? name : ALIASES[name];
}

function unknownCommand(name: string): number {
  const guess = closest(name, [...Object.keys(COMMANDS), ...Object.keys(ALIASES), 'help', 'completion']);
  process.stderr.write(`regionctl: unknown command "${name}"${guess ? `; did you mean "${guess}"?` : '.'} Run "regionctl --help" for the list of commands.\n`);
  return 1;
}

/** Help and completion are generated on demand, so running a command never loads them. */
const help = () => import('./commands/help.js');

export async function runCli(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    (name ? process.stdout : process.stderr).write((await help()).overview());
    return name ? 0 : 1;
  }
  if (name === 'help') {
    if (rest.length === 0) {
      process.stdout.write((await help()).overview());
      return 0;
    }
    const command = resolveCommand(rest[0]!);
    if (!command) return unknownCommand(rest[0]!);
    process.stdout.write((await help()).commandHelp(command));
    return 0;
  }
  if (name === '--version' || name === 'version' || name === '-V') {
    process.stdout.write(`regionctl ${await (await import('./version.js')).packageVersion()}\n`);
    return 0;
  }
  if (name === 'completion') {
    const shell = rest[0];
    if (shell === 'bash' || shell === 'zsh') {
      process.stdout.write(shell === 'bash' ? (await help()).bashCompletion() : (await help()).zshCompletion());
      return 0;
    }
    process.stderr.write(`regionctl completion: name the shell, bash or zsh (got ${shell ? `"${shell}"` : 'nothing'}), e.g. source <(regionctl completion bash)\n`);
    return 1;
  }
  const command = resolveCommand(name);
  if (!command) return unknownCommand(name);
  if (asksForHelp(rest)) {
    process.stdout.write((await help()).commandHelp(command));
    return 0;
  }
  return (await LOADERS[command]()).main(rest);
}

/**
 * A reader that goes away (`regionctl diff … | head -1`) closes our stdout: the write fails
 * with EPIPE. That is not an error of the command: the rest of its output is dropped, the
 * command finishes (a sandbox apply still saves its state) and exits with its own code.
 */
function ignoreClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') return;
    throw error;
  });
}
ignoreClosedPipe(process.stdout);
ignoreClosedPipe(process.stderr);

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // Only bugs get here: user mistakes are reported by the commands themselves.
    process.stderr.write(`regionctl: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
