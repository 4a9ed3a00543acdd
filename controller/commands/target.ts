// Where diff and apply read and write: the built-in sandbox (optionally kept in a JSON
// file between runs) or AWS. Loaded lazily so that the sandbox path never loads the SDK.

import { realClock, type Clock } from '../clock.js';
import type { DesiredState } from '../manifest/types.js';
import type { Providers } from '../providers/types.js';
import { UsageError } from './args.js';

export interface Target {
  providers: Providers;
  clock: Clock;
  /** Persists what changed (the sandbox state file); a no-op for AWS. */
  save(): Promise<void>;
  /** Releases connections (the AWS SDK's) so the process can exit. */
  close?(): void;
  describe: string;
}

export interface TargetOptions {
  sandbox?: string | true;
  sandboxSpeed?: string;
  /** AWS only: one endpoint for every service; wins over AWS_ENDPOINT_URL. */
  endpointUrl?: string;
  maxAttempts?: string;
  retryMode?: string;
  /** apply: the sandbox file is locked for the whole run and saved after every write. */
  write?: boolean;
  /** The command, for the sandbox lock's messages. */
  command?: string;
}

/** The options diff and apply accept for choosing and tuning the target. */
export const TARGET_ARGS = {
  sandbox: { type: 'string' },
  'sandbox-speed': { type: 'string' },
  'endpoint-url': { type: 'string' },
  'max-attempts': { type: 'string' },
  'retry-mode': { type: 'string' },
} as const;

export function targetOptions(values: {
  sandbox?: string | undefined;
  'sandbox-speed'?: string | undefined;
  'endpoint-url'?: string | undefined;
  'max-attempts'?: string | undefined;
  'retry-mode'?: string | undefined;
}): TargetOptions {
  const options: TargetOptions = {};
  // parseArgs gives "" for a bare --sandbox (in-memory) and undefined when absent.
  if (values.sandbox !== undefined) options.sandbox = values.sandbox === '' ? true : values.sandbox;
  if (values['sandbox-speed'] !== undefined) options.sandboxSpeed = values['sandbox-speed'];
  if (values['endpoint-url'] !== undefined) options.endpointUrl = values['endpoint-url'];
  if (values['max-attempts'] !== undefined) options.maxAttempts = values['max-attempts'];
  if (values['retry-mode'] !== undefined) options.retryMode = values['retry-mode'];
  return options;
}

export const DEFAULT_SANDBOX_SPEED = 100;

export async function openTarget(options: TargetOptions, desired: DesiredState[]): Promise<Target> {
  if (options.sandbox !== undefined) {
    const speed = options.sandboxSpeed === undefined ? DEFAULT_SANDBOX_SPEED : Number(options.sandboxSpeed);
    if (!Number.isFinite(speed) || speed <= 0) {
      throw new UsageError(`--sandbox-speed must be a positive number (got "${options.sandboxSpeed}")`);
    }
    if ((['endpointUrl', 'maxAttempts', 'retryMode'] as const).some((key) => options[key] !== undefined)) throw new UsageError('--endpoint-url, --max-attempts and --retry-mode apply to AWS, not to --sandbox');
    const { openSandbox } = await import('./sandbox-target.js');
    return openSandbox(options.sandbox === true ? undefined : options.sandbox, speed, desired, { write: options.write === true, command: options.command ?? 'diff' });
  }
  return openAws(options, desired);
}

async function openAws(options: TargetOptions, desired: DesiredState[]): Promise<Target> {
  const maxAttempts = options.maxAttempts === undefined ? undefined : Number(options.maxAttempts);
  if (maxAttempts !== undefined && !(Number.isInteger(maxAttempts) && maxAttempts >= 1)) {
    throw new UsageError(`--max-attempts must be a whole number of at least 1 (got "${options.maxAttempts}")`);
  }
  const retryMode = options.retryMode;
  if (retryMode !== undefined && retryMode !== 'standard' && retryMode !== 'adaptive') {
    throw new UsageError(`--retry-mode must be standard or adaptive (got "${retryMode}")`);
  }
  if (options.endpointUrl !== undefined && !/^https?:\/\/[^/]/.test(options.endpointUrl)) {
    throw new UsageError(`--endpoint-url must be an http:// or https:// URL (got "${options.endpointUrl}")`);
  }
  const changeSetPollMs = pollIntervalFromEnvironment();
  // The SDK warns on every run on Node 20 that its 2027 releases need Node 22: nothing a CLI user can act on.
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  // Loaded here only: validate and --sandbox never reach the AWS SDK.
  const aws = await import('../providers/aws/index.js');
  const opened = aws.createAwsProviders({
    clock: realClock,
    ...(options.endpointUrl !== undefined ? { endpointUrl: options.endpointUrl } : {}),
    ...(maxAttempts !== undefined ? { maxAttempts } : {}),
    ...(retryMode !== undefined ? { retryMode } : {}),
    ...(changeSetPollMs !== undefined ? { changeSetPollMs } : {}),
  });
  const firstRegion = desired[0]?.regions[0]?.code ?? 'us-east-1';
  try {
    await aws.checkCredentials(opened.clients, firstRegion);
  } catch (error) {
    opened.destroy();
    if (error instanceof aws.MissingCredentialsError) throw new UsageError(error.message);
    throw error;
  }
  const endpoint = options.endpointUrl ?? process.env['AWS_ENDPOINT_URL'];
  return {
    providers: opened.providers,
    clock: realClock,
    save: async () => {},
    close: () => opened.destroy(),
    describe: endpoint ? `AWS via ${endpoint}` : 'AWS',
  };
}

/**
 * REGIONCTL_POLL_INTERVAL_MS shortens every wait between status polls (stacks, change
 * sets, replicas, Route 53 changes, health): for AWS emulators that finish at once.
 */
export function pollIntervalFromEnvironment(): number | undefined {
  const raw = process.env['REGIONCTL_POLL_INTERVAL_MS'];
  if (raw === undefined || raw === '') return undefined;
  const ms = Number(raw);
  if (!Number.isFinite(ms) || ms < 0) throw new UsageError(`REGIONCTL_POLL_INTERVAL_MS must be a number of milliseconds (got "${raw}")`);
  return ms;
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
