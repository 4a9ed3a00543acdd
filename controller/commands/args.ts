// Shared argument parsing for the commands: node's parseArgs (no dependency, fast start)
// with errors turned into one actionable line instead of a stack trace.
import { parseArgs, type ParseArgsConfig } from 'node:util';

export { UsageError } from '../errors.js';
import { UsageError } from '../errors.js';

export function parseCommandArgs<T extends NonNullable<ParseArgsConfig['options']>>(
  command: string,
  argv: string[],
  options: T,
) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new UsageError(`${message}. Run "regionctl --help" for usage of "${command}".`);
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
    if (error instanceof UsageError) {
      process.stderr.write(`regionctl ${command}: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
