// Shared argument parsing for the commands: node's parseArgs (no dependency, fast start)
// over the flags of the command table (table.ts), with errors turned into one actionable
// line instead of a stack trace.
import { parseArgs } from 'node:util';
import { COMMANDS, type CommandName } from './table.js';

export { UsageError } from '../errors.js';
import { UsageError } from '../errors.js';

/** Parses a command's arguments with exactly the flags the table gives it. */
export function parseCommandArgs<C extends CommandName>(command: C, argv: string[]) {
  const options = COMMANDS[command].flags as (typeof COMMANDS)[C]['flags'];
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(parseErrorMessage(command, error));
  }
}

/** parseArgs' message, with "did you mean" for a mistyped flag and where to find the flags. */
export function parseErrorMessage(command: CommandName, error: unknown): string {
  // One line: parseArgs spreads some messages over three.
  const message = (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, ' ');
  const unknown = /^Unknown option '(-{1,2}[^']+)'/.exec(message)?.[1];
  if (unknown) {
    const names = Object.keys(COMMANDS[command].flags).map((name) => `--${name}`);
    const guess = closest(unknown.split('=')[0]!, names);
    return `unknown option ${unknown}${guess ? `; did you mean ${guess}?` : '.'} Run "regionctl ${command} --help" for its options.`;
  }
  return `${message.replace(/\.$/, '')}. Run "regionctl ${command} --help" for its options.`;
}

/** The candidate nearest to `word` by edit distance, when it is close enough to be a typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(word, candidate);
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  const allowed = Math.max(1, Math.min(3, Math.floor(word.replace(/^-+/, '').length / 3)));
  return bestDistance <= allowed ? best : undefined;
}

/** Levenshtein distance, with a transposition of two neighbours counted as one edit. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
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
