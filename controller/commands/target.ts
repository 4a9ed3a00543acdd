// Where diff and apply read and write: the built-in sandbox (optionally kept in a JSON
// file between runs) or AWS. Loaded lazily so that the sandbox path never loads the SDK.

import type { Clock } from '../clock.js';
import type { DesiredState } from '../manifest/types.js';
import type { Providers } from '../providers/types.js';
import { UsageError } from './args.js';

export interface Target {
  providers: Providers;
  clock: Clock;
  /** Persists what changed (the sandbox state file); a no-op for AWS. */
  save(): Promise<void>;
  describe: string;
}

export interface TargetOptions {
  sandbox?: string | true;
  sandboxSpeed?: string;
}

export const DEFAULT_SANDBOX_SPEED = 100;

export async function openTarget(options: TargetOptions, desired: DesiredState[]): Promise<Target> {
  if (options.sandbox !== undefined) {
    const speed = options.sandboxSpeed === undefined ? DEFAULT_SANDBOX_SPEED : Number(options.sandboxSpeed);
    if (!Number.isFinite(speed) || speed <= 0) {
      throw new UsageError(`--sandbox-speed must be a positive number (got "${options.sandboxSpeed}")`);
    }
    const { openSandbox } = await import('./sandbox-target.js');
    return openSandbox(options.sandbox === true ? undefined : options.sandbox, speed, desired);
  }
  throw new UsageError(
    'talking to AWS is not available in this version yet; run with --sandbox [PATH] to use the built-in sandbox cloud',
  );
}

/**
 * `--sandbox` takes an optional PATH, which parseArgs cannot express: a following
 * argument ending in .json is taken as the path, otherwise the sandbox is in memory.
 */
export function normaliseSandboxArg(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--sandbox') {
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith('-') && next.endsWith('.json')) {
        out.push(`--sandbox=${next}`);
        i++;
      } else {
        out.push('--sandbox=');
      }
    } else {
      out.push(arg);
    }
  }
  return out;
}
