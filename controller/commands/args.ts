// Shared argument parsing for the commands: node's parseArgs (no dependency, fast start)
// with errors turned into one actionable line instead of a stack trace.
import { parseArgs, type ParseArgsConfig } from 'node:util';

export { UsageError } from '../errors.js';
import { UsageError } from '../errors.js';
import { commandHelp, didYouMean } from './help.js';

/** `--help` (or `-h`) anywhere before `--`: runCommand prints the command's help and exits 0. */
class HelpRequested extends Error {
  constructor(readonly command: string, readonly options: Record<string, unknown>) {
    super(`help for ${command}`);
  }
}

export function parseCommandArgs<T extends NonNullable<ParseArgsConfig['options']>>(
  command: string,
  argv: string[],
  options: T,
) {
  const end = argv.indexOf('--');
  if ((end === -1 ? argv : argv.slice(0, end)).some((arg) => arg === '--help' || arg === '-h')) throw new HelpRequested(command, options);
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const unknown = /^Unknown option '--([^']+)'/.exec(message)?.[1];
    const suggestion = unknown === undefined ? undefined : didYouMean(unknown, Object.keys(options));
    if (unknown !== undefined) {
      throw new UsageError(`unknown option --${unknown}${suggestion ? `; did you mean --${suggestion}?` : ''} Run "regionctl ${command} --help" for its options.`);
    }
    throw new UsageError(`${message}. Run "regionctl ${command} --help" for its options.`);
  }
}

export type OutputFormat = 'text' | 'json' | 'markdown';

export function outputFormat(value: string | undefined, allowed: OutputFormat[]): OutputFormat {
  const format = (value ?? 'text') as OutputFormat;
  if (!allowed.includes(format)) {
    throw new UsageError(`--output must be one of ${allowed.join(', ')} (got "${value}")`);
  }
  return format;
}

/** Runs a command body; usage errors become one line on stderr and exit code 1. */
export async function runCommand(command: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof HelpRequested) {
      process.stdout.write(commandHelp(error.command, error.options));
      return 0;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`regionctl ${command}: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
