// What a command or the controller works against: the built-in sandbox or AWS.

import type { Clock } from '../clock.js';
import type { DesiredState } from '../manifest/types.js';
import type { Providers } from '../providers/types.js';
import type { AwsCallReport } from '../runtime/metrics.js';

/** One CLI run's target (diff, apply, prune-regionset). */
export interface Target {
  providers: Providers;
  clock: Clock;
  /** Persists what changed (the sandbox state file); a no-op for AWS. */
  save(): Promise<void>;
  /** Releases connections (the AWS SDK's) and the sandbox file's lock so the process can exit. */
  close?(): void;
  describe: string;
  /**
   * AWS write calls sent so far (anything but Describe*, List*, Get*; in the sandbox, the
   * calls its call log marks as writes), retries by regionctl included: the "API calls"
   * of apply's progress and final line.
   */
  writeCalls(): number;
  /** Which cloud this is, as a saved plan records it (no secrets): apply refuses a plan saved for another. */
  identity?: TargetIdentity;
}

export type TargetIdentity =
  | { kind: 'sandbox'; /** Absolute path of the state file; absent in memory. */ stateFile?: string }
  | { kind: 'aws'; /** When the credentials name it. */ account?: string; endpoint?: string };

/** One reconcile's view of the controller's target. */
export interface RuntimeTarget {
  providers: Providers;
  /** The clock the executor waits on (the sandbox's virtual time, or real time). */
  clock: Clock;
  /** The reconcile is done with the target. */
  release(): Promise<void>;
}

/** The controller's target for the life of the process: opened once per reconcile. */
export interface TargetFactory {
  /** Where the controller works, for logs and /status. */
  readonly describe: string;
  open(desired: DesiredState): Promise<RuntimeTarget>;
  /** AWS only: fails with a UsageError (a configuration problem) before the first reconcile. */
  checkCredentials?(region: string): Promise<void>;
  /** Shutdown: releases connections. */
  close(): void;
}

export interface SandboxTargetSpec {
  kind: 'sandbox';
  /** State file; in memory when absent. */
  path?: string;
  /** Time speed (default 100). */
  speed?: number;
}

export interface AwsTargetSpec {
  kind: 'aws';
  /** One endpoint for every service; wins over AWS_ENDPOINT_URL. */
  endpointUrl?: string;
  maxAttempts?: number;
  retryMode?: 'standard' | 'adaptive';
  changeSetPollMs?: number;
  /** Shared-config profile for the SDK's credential chain (--profile); AWS_PROFILE otherwise. */
  profile?: string;
  /**
   * The default region (--region): where credentials are resolved and checked, and the
   * partition when the manifest names no region (prune-regionset). The manifest's own
   * regions are always called in themselves.
   */
  region?: string;
}

export type TargetSpec = SandboxTargetSpec | AwsTargetSpec;

export interface TargetHooks {
  /** Every AWS (or sandbox) call, for the metrics. */
  onCall?: (call: AwsCallReport) => void;
}

export const DEFAULT_SANDBOX_SPEED = 100;
