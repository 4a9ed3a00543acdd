// Where the controller's reconciles read and write: the sandbox (a JSON state file shared
// with other processes and CLI runs) or AWS. The runtime variant of commands/target.ts:
// a long-running process opens a target per reconcile, and must report every AWS call
// to the metrics.

import type { Clock } from '../clock.js';
import type { DesiredState } from '../manifest/types.js';
import type { CallRecord, SandboxCloud, StateLock } from '../providers/sandbox/index.js';
import type { Providers } from '../providers/types.js';
import type { AwsCallReport } from './metrics.js';

export interface RuntimeTarget {
  providers: Providers;
  /** The clock the executor waits on (the sandbox's virtual time, or real time). */
  clock: Clock;
  /** The reconcile is done with the target. */
  release(): Promise<void>;
}

export interface TargetFactory {
  /** Where the controller works, for logs and /status. */
  readonly describe: string;
  open(desired: DesiredState): Promise<RuntimeTarget>;
  /** Shutdown: releases connections. */
  close(): void;
}

export interface SandboxTargetOptions {
  /** State file; loaded fresh whenever no reconcile has it open. */
  path?: string;
  /** A fixed in-memory cloud instead of a file (tests); seeding is then the caller's. */
  cloud?: SandboxCloud;
  /** Time speed of a loaded sandbox (default 100, like the CLI). */
  speed?: number;
  /** Clock of a loaded sandbox (default a ScaledClock resuming at the saved time). */
  clock?: Clock;
  onCall?: (call: AwsCallReport) => void;
  /** Told when the state file's lock is busy, or a dead holder's lock was taken over. */
  onLockNotice?: (message: string) => void;
}

/**
 * The sandbox. Reconciles of different RegionSets that overlap share one loaded cloud (two
 * copies saved in turn would each lose the other's writes); the file is read again at the
 * start of the next reconcile that finds none open, so CLI runs in between are seen. Every
 * write call is saved before its caller gets the answer, so a process killed mid-apply
 * leaves the file as AWS would be. While any reconcile has the cloud open, this process
 * holds the file's lock (PATH.lock): other replicas and CLI applies sharing the file wait,
 * and each loads the file afresh under the lock, so none overwrites another's writes.
 */
export class SandboxTargets implements TargetFactory {
  readonly describe: string;
  private shared: { cloud: SandboxCloud; users: number } | undefined;
  private opening: Promise<SandboxCloud> | undefined;
  private lock: StateLock | undefined;
  /** The sandbox's atomic writer, loaded with the first state file. */
  private writeStateFile: ((path: string, state: ReturnType<SandboxCloud['toJSON']>) => void) | undefined;

  constructor(private readonly options: SandboxTargetOptions) {
    if (!options.path && !options.cloud) throw new Error('the sandbox target needs a state file path or a cloud');
    this.describe = options.cloud ? 'sandbox (in memory)' : `sandbox ${options.path}, ${options.speed ?? 100}x time`;
  }

  async open(desired: DesiredState): Promise<RuntimeTarget> {
    const cloud = await this.acquireCloud();
    if (!this.options.cloud && seedAssumedResources(cloud, desired)) this.save(cloud);
    let released = false;
    return {
      providers: cloud.providers(),
      clock: cloud.clock,
      release: async () => {
        if (released) return;
        released = true;
        this.releaseCloud();
      },
    };
  }

  close(): void {}

  private async acquireCloud(): Promise<SandboxCloud> {
    if (this.shared) {
      this.shared.users++;
      return this.shared.cloud;
    }
    // Two reconciles starting together must not load two copies.
    this.opening ??= this.load().finally(() => (this.opening = undefined));
    const cloud = await this.opening;
    // Another opener may have registered the same cloud while we waited.
    const shared = this.shared as { cloud: SandboxCloud; users: number } | undefined;
    if (shared) shared.users++;
    else this.shared = { cloud, users: 1 };
    return cloud;
  }

  private releaseCloud(): void {
    if (!this.shared) return;
    this.shared.users--;
    if (this.shared.users <= 0) {
      if (!this.options.cloud) this.shared.cloud.afterCall = undefined;
      this.shared = undefined;
      this.lock?.release();
      this.lock = undefined;
    }
  }

  private async load(): Promise<SandboxCloud> {
    const path = this.options.path;
    let cloud = this.options.cloud;
    if (!cloud && path) {
      const sandbox = await import('../providers/sandbox/index.js');
      this.writeStateFile = sandbox.writeStateFile;
      // Found before the first change: a file this reconcile could not save.
      sandbox.checkStateWritable(path);
      const lock = await sandbox.lockStateFile(path, {
        command: 'regionctl run',
        waitMs: sandbox.lockWaitFromEnvironment(),
        onWait: (holder) => this.options.onLockNotice?.(`waiting for the sandbox lock on ${path}${holder ? ` held by pid ${holder.pid} (${holder.command})` : ''}`),
      });
      if (lock.tookOverFrom) this.options.onLockNotice?.(`took over the sandbox lock on ${path} from pid ${lock.tookOverFrom.pid}, which is no longer running`);
      try {
        cloud = await sandbox.loadSandbox(path, {
          speed: this.options.speed ?? 100,
          ...(this.options.clock ? { clock: this.options.clock } : {}),
        });
      } catch (error) {
        lock.release();
        throw error;
      }
      this.lock = lock;
    }
    if (!cloud) throw new Error('the sandbox target needs a state file path or a cloud');
    const loaded = cloud;
    loaded.afterCall = (call: CallRecord) => {
      this.options.onCall?.({ service: call.service, operation: call.operation, outcome: call.outcome });
      if (call.write && this.options.path) this.save(loaded);
    };
    return cloud;
  }

  /**
   * Synchronous on purpose: the file must hold a write before the caller sees its answer
   * (a kill right after then finds it there, as AWS would have it). Atomic (temp file,
   * fsync, rename), so a kill mid-save never leaves half a file.
   */
  private save(cloud: SandboxCloud): void {
    const path = this.options.path;
    if (!path || !this.writeStateFile) return;
    this.writeStateFile(path, cloud.toJSON());
  }
}

/**
 * regionctl never creates hosted zones or tables: they exist before a RegionSet manages
 * them. The sandbox plays that part (as `diff --sandbox` does): a missing zone or table is
 * created, each table with one replica in the first active region. No call is logged.
 * Returns true when something was created.
 */
function seedAssumedResources(cloud: SandboxCloud, desired: DesiredState): boolean {
  let seeded = false;
  const zone = desired.dns.zone.toLowerCase().replace(/\.?$/, '.');
  if (!cloud.zones().some((z) => z.name.toLowerCase() === zone)) {
    cloud.seedZone(desired.dns.zone);
    seeded = true;
  }
  const home = (desired.regions.find((r) => r.state === 'active') ?? desired.regions[0])?.code;
  if (!home) return seeded;
  for (const table of desired.tables) {
    if (!cloud.peekTable(table.name)) {
      cloud.seedTable(table.name, home);
      seeded = true;
    }
  }
  return seeded;
}

export interface AwsTargetOptions {
  clock: Clock;
  endpointUrl?: string;
  maxAttempts?: number;
  retryMode?: 'standard' | 'adaptive';
  changeSetPollMs?: number;
  onCall?: (call: AwsCallReport) => void;
}

/** AWS through one set of SDK clients for the life of the process (loaded on first use). */
export class AwsTargets implements TargetFactory {
  readonly describe: string;
  private opened: Promise<import('../providers/aws/index.js').AwsProviders> | undefined;
  private destroy: (() => void) | undefined;

  constructor(private readonly options: AwsTargetOptions) {
    const endpoint = options.endpointUrl ?? process.env['AWS_ENDPOINT_URL'];
    this.describe = endpoint ? `AWS via ${endpoint}` : 'AWS';
  }

  /** Fails with MissingCredentialsError (a configuration problem) before the first reconcile. */
  async checkCredentials(region: string): Promise<void> {
    const aws = await import('../providers/aws/index.js');
    const opened = await this.providers();
    await aws.checkCredentials(opened.clients, region);
  }

  async open(): Promise<RuntimeTarget> {
    const opened = await this.providers();
    return { providers: opened.providers, clock: this.options.clock, release: async () => {} };
  }

  close(): void {
    this.destroy?.();
  }

  private providers(): Promise<import('../providers/aws/index.js').AwsProviders> {
    this.opened ??= (async () => {
      // Loaded here only: the sandbox path never reaches the AWS SDK.
      const aws = await import('../providers/aws/index.js');
      const { onCall, endpointUrl, maxAttempts, retryMode, changeSetPollMs } = this.options;
      const opened = aws.createAwsProviders({
        clock: this.options.clock,
        ...(endpointUrl !== undefined ? { endpointUrl } : {}),
        ...(maxAttempts !== undefined ? { maxAttempts } : {}),
        ...(retryMode !== undefined ? { retryMode } : {}),
        ...(changeSetPollMs !== undefined ? { changeSetPollMs } : {}),
        ...(onCall ? { onCall: (call) => onCall({ service: call.service, operation: call.operation, outcome: call.outcome }) } : {}),
      });
      this.destroy = () => opened.destroy();
      return opened;
    })();
    return this.opened;
  }
}
