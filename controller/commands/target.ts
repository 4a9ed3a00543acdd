// The command-line side of choosing a target (--sandbox, --endpoint-url, …): parsed and
// checked here, opened by controller/targets (the one place that opens providers).

import { resolve } from 'node:path';
import type { DesiredState } from '../manifest/types.js';
import { openTarget, DEFAULT_SANDBOX_SPEED, type Target, type TargetHooks, type TargetIdentity, type TargetSpec } from '../targets/index.js';
import { closestRegion, isAwsRegion } from '../manifest/regions.js';
import { UsageError } from './args.js';

export type { Target } from '../targets/index.js';

export interface TargetOptions {
  sandbox?: string | true;
  sandboxSpeed?: string;
  /** AWS only: one endpoint for every service; wins over AWS_ENDPOINT_URL. */
  endpointUrl?: string;
  maxAttempts?: string;
  retryMode?: string;
  /** AWS only: the shared-config profile (--profile). */
  profile?: string;
  /** AWS only: the default region (--region). */
  region?: string;
  /** apply: the sandbox file is locked for the whole run and saved after every write. */
  write?: boolean;
  /** The command, for the sandbox lock's messages. */
  command?: string;
  /** Every AWS call the command makes (tests count the write calls of diff --read-only). */
  onCall?: TargetHooks['onCall'];
}

export function targetOptions(values: {
  sandbox?: string | undefined;
  'sandbox-speed'?: string | undefined;
  'endpoint-url'?: string | undefined;
  'max-attempts'?: string | undefined;
  'retry-mode'?: string | undefined;
  profile?: string | undefined;
  region?: string | undefined;
}): TargetOptions {
  const options: TargetOptions = {};
  // parseArgs gives "" for a bare --sandbox (in-memory) and undefined when absent.
  if (values.sandbox !== undefined) options.sandbox = values.sandbox === '' ? true : values.sandbox;
  if (values['sandbox-speed'] !== undefined) options.sandboxSpeed = values['sandbox-speed'];
  if (values['endpoint-url'] !== undefined) options.endpointUrl = values['endpoint-url'];
  if (values['max-attempts'] !== undefined) options.maxAttempts = values['max-attempts'];
  if (values['retry-mode'] !== undefined) options.retryMode = values['retry-mode'];
  if (values.profile !== undefined) options.profile = values.profile;
  if (values.region !== undefined) options.region = values.region;
  return options;
}

/** The target the options name, as far as it is known before opening it (no AWS account yet). */
export function targetIdentityOf(options: TargetOptions): TargetIdentity {
  if (options.sandbox !== undefined) return { kind: 'sandbox', ...(options.sandbox === true ? {} : { stateFile: resolve(options.sandbox) }) };
  const endpoint = options.endpointUrl ?? process.env['AWS_ENDPOINT_URL'];
  return { kind: 'aws', ...(endpoint ? { endpoint } : {}) };
}

/** Checks the command line's target options and opens the target they name. */
export async function openCommandTarget(options: TargetOptions, desired: DesiredState[]): Promise<Target> {
  return openTarget(targetSpec(options), desired, {
    write: options.write === true,
    command: options.command ?? 'diff',
    ...(options.onCall ? { onCall: options.onCall } : {}),
  });
}

function targetSpec(options: TargetOptions): TargetSpec {
  if (options.sandbox !== undefined) {
    const speed = options.sandboxSpeed === undefined ? DEFAULT_SANDBOX_SPEED : Number(options.sandboxSpeed);
    if (!Number.isFinite(speed) || speed <= 0) {
      throw new UsageError(`--sandbox-speed must be a positive number (got "${options.sandboxSpeed}")`);
    }
    if ((['endpointUrl', 'maxAttempts', 'retryMode', 'profile', 'region'] as const).some((key) => options[key] !== undefined)) {
      throw new UsageError('--endpoint-url, --max-attempts, --retry-mode, --profile and --region apply to AWS, not to --sandbox');
    }
    return { kind: 'sandbox', speed, ...(options.sandbox === true ? {} : { path: options.sandbox }) };
  }
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
  if (options.profile !== undefined && options.profile.trim() === '') throw new UsageError('--profile must name a profile of the AWS config file, e.g. --profile prod');
  if (options.region !== undefined) checkRegionFlag(options.region);
  const changeSetPollMs = pollIntervalFromEnvironment();
  return {
    kind: 'aws',
    ...(options.profile !== undefined ? { profile: options.profile } : {}),
    ...(options.region !== undefined ? { region: options.region } : {}),
    ...(options.endpointUrl !== undefined ? { endpointUrl: options.endpointUrl } : {}),
    ...(maxAttempts !== undefined ? { maxAttempts } : {}),
    ...(retryMode !== undefined ? { retryMode } : {}),
    ...(changeSetPollMs !== undefined ? { changeSetPollMs } : {}),
  };
}

/** --region must be an AWS region code (a typo gets "did you mean"). */
export function checkRegionFlag(region: string): void {
  if (isAwsRegion(region)) return;
  const guess = closestRegion(region);
  throw new UsageError(`--region "${region}" is not an AWS region code${guess ? `; did you mean ${guess}?` : ', e.g. us-east-1'}`);
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
