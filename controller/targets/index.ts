// The one place that opens providers, for a CLI run (openTarget) and for the controller
// (openTargets). Each kind is imported only when chosen: the sandbox path never loads the
// AWS SDK, so a cold `diff --sandbox` stays fast.

import type { Clock } from '../clock.js';
import { UsageError } from '../errors.js';
import { partitionOf } from '../partition.js';
import type { DesiredState } from '../manifest/types.js';
import type { SandboxCloud } from '../providers/sandbox/index.js';
import { DEFAULT_SANDBOX_SPEED, type Target, type TargetFactory, type TargetHooks, type TargetSpec } from './types.js';

export * from './types.js';

export interface CliTargetOptions extends TargetHooks {
  /** apply: the sandbox file is locked for the whole run and saved after every write. */
  write?: boolean;
  /** The command, for the sandbox lock's messages. */
  command?: string;
}

/** One CLI run's target; AWS credentials are checked in --region, else the manifest's first region. */
export async function openTarget(spec: TargetSpec, desired: DesiredState[], options: CliTargetOptions = {}): Promise<Target> {
  if (spec.kind === 'sandbox') {
    const { openSandboxTarget } = await import('./sandbox.js');
    return openSandboxTarget(spec.path, spec.speed ?? DEFAULT_SANDBOX_SPEED, desired, { write: options.write === true, command: options.command ?? 'diff' });
  }
  const manifestRegion = desired.flatMap((set) => set.regions)[0]?.code;
  if (spec.region !== undefined && manifestRegion !== undefined && partitionOf(spec.region) !== partitionOf(manifestRegion)) {
    throw new UsageError(
      `--region ${spec.region} is in the ${partitionOf(spec.region)} partition but the manifest's regions are in ${partitionOf(manifestRegion)} (${manifestRegion}); credentials work in one partition only: pass a region of ${partitionOf(manifestRegion)} or leave --region out`,
    );
  }
  const { openAwsTarget } = await import('./aws.js');
  return openAwsTarget(spec, manifestRegion, options.onCall ? { onCall: options.onCall } : {});
}

export interface RuntimeTargetOptions extends TargetHooks {
  /** Sandbox: a fixed in-memory cloud instead of a file (tests); seeding is then the caller's. */
  cloud?: SandboxCloud;
  /** Sandbox: the clock of a loaded file (default a ScaledClock resuming at the saved time). */
  clock?: Clock;
  /** Sandbox: told when the state file's lock is busy, or a dead holder's lock was taken over. */
  onLockNotice?: (message: string) => void;
}

/** The controller's target for the life of the process. */
export async function openTargets(spec: TargetSpec, options: RuntimeTargetOptions = {}): Promise<TargetFactory> {
  const { onCall } = options;
  if (spec.kind === 'sandbox') {
    const { SandboxTargets } = await import('./sandbox.js');
    return new SandboxTargets({
      ...(spec.path !== undefined ? { path: spec.path } : {}),
      ...(options.cloud ? { cloud: options.cloud } : {}),
      ...(spec.speed !== undefined ? { speed: spec.speed } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
      ...(onCall ? { onCall } : {}),
      ...(options.onLockNotice ? { onLockNotice: options.onLockNotice } : {}),
    });
  }
  const { AwsTargets } = await import('./aws.js');
  return new AwsTargets(spec, onCall ? { onCall } : {});
}
