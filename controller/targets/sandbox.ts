// The built-in sandbox as a target, for a CLI run (diff, apply) and for the controller's
// reconciles. Time runs `speed` times faster than real time, so a demo apply with
// real-looking AWS waits finishes in seconds; the state file keeps the cloud (and its
// virtual time) between runs and is shared, under its lock, by every process using it.

import { resolve } from 'node:path';
import { ScaledClock, type Clock } from '../clock.js';
import type { DesiredState } from '../manifest/types.js';
import {
  checkStateWritable,
  loadSandbox,
  lockStateFile,
  lockWaitFromEnvironment,
  readStateFile,
  SandboxCloud,
  writeStateFile,
  type CallRecord,
  type StateLock,
} from '../providers/sandbox/index.js';
import type { AwsCallReport } from '../runtime/metrics.js';
import type { RuntimeTarget, Target, TargetFactory } from './types.js';

export interface SandboxOpenOptions {
  /**
   * apply: check the file can be written and take its lock (held until close) before
   * reading it, then save after every write call. diff reads the last complete file only.
   */
  write: boolean;
  /** The command, for messages and the lock's holder line. */
  command: string;
}

/** One CLI run on the sandbox (diff reads the file; apply locks it for the whole run). */
export async function openSandboxTarget(path: string | undefined, speed: number, desired: DesiredState[], options: SandboxOpenOptions = { write: false, command: 'diff' }): Promise<Target> {
  let lock: StateLock | undefined;
  if (path !== undefined && options.write) {
    // Everything that could stop a save is found here, before the plan and the first change.
    checkStateWritable(path);
    lock = await lockStateFile(path, {
      command: `regionctl ${options.command}`,
      waitMs: lockWaitFromEnvironment(),
      onWait: (holder) =>
        process.stderr.write(`regionctl ${options.command}: waiting for the lock on ${path}${holder ? ` held by pid ${holder.pid} (${holder.command})` : ''}\n`),
    });
    if (lock.tookOverFrom) {
      process.stderr.write(
        `regionctl ${options.command}: took over the lock on ${path} from pid ${lock.tookOverFrom.pid}, which is no longer running (its last saved change is in the file)\n`,
      );
    }
  }
  try {
    // Read under the lock: the latest complete file, with every change of the previous holder.
    const saved = path === undefined ? undefined : readStateFile(path);
    const clock = new ScaledClock(speed, typeof saved?.savedNow === 'number' ? saved.savedNow : Date.now());
    const cloud = saved === undefined ? new SandboxCloud({ clock }) : SandboxCloud.fromJSON(saved, { clock });
    for (const set of desired) seedAssumedResources(cloud, set);
    const save = () => {
      if (path !== undefined && lock) writeStateFile(path, cloud.toJSON());
    };
    let writeCalls = 0;
    // Saved before the caller gets the answer of each write: a kill -9 loses at most the call in flight.
    cloud.afterCall = (call) => {
      if (!call.write) return;
      writeCalls++;
      save();
    };
    return {
      providers: cloud.providers(),
      clock,
      save: async () => save(),
      close: () => lock?.release(),
      describe: `sandbox${path ? ` ${path}` : ' (in memory)'}, ${speed}x time`,
      writeCalls: () => writeCalls,
      identity: { kind: 'sandbox', ...(path !== undefined ? { stateFile: resolve(path) } : {}) },
    };
  } catch (error) {
    lock?.release();
    throw error;
  }
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
      // Found before the first change: a file this reconcile could not save.
      checkStateWritable(path);
      const lock = await lockStateFile(path, {
        command: 'regionctl run',
        waitMs: lockWaitFromEnvironment(),
        onWait: (holder) => this.options.onLockNotice?.(`waiting for the sandbox lock on ${path}${holder ? ` held by pid ${holder.pid} (${holder.command})` : ''}`),
      });
      if (lock.tookOverFrom) this.options.onLockNotice?.(`took over the sandbox lock on ${path} from pid ${lock.tookOverFrom.pid}, which is no longer running`);
      try {
        cloud = await loadSandbox(path, {
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
    if (!path) return;
    writeStateFile(path, cloud.toJSON());
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
